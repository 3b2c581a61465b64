import GRDB

/// The read model's schema, versioned with GRDB's migrator.
///
/// Entity state (the latest `data` of each record) lives in `state`, `osts` and `castings`.
/// Each OST and casting also keeps its serialized entries in the documents that embed it, and
/// `doc_news` each document's news in order, so a drama or person document is assembled from
/// its state, its entries and its newest news without re-serializing anything; `documents`
/// holds each document's seq and full-text row, and the serialized document of articles.
enum Schema {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
                    INSERT INTO meta (name, value) VALUES ('applied_seq', 0);

                    -- Latest state of dramas, people and articles (kind, key) as the record's data.
                    CREATE TABLE state (
                        kind TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL,
                        PRIMARY KEY (kind, key)) WITHOUT ROWID;

                    CREATE TABLE osts (
                        key TEXT PRIMARY KEY, drama_key TEXT NOT NULL, status TEXT, release_at INTEGER,
                        sort TEXT NOT NULL, data TEXT NOT NULL, item TEXT NOT NULL DEFAULT 'null');
                    CREATE INDEX osts_drama ON osts (drama_key);
                    CREATE INDEX osts_sort ON osts (sort);
                    CREATE TABLE ost_artists (
                        person_key TEXT NOT NULL, ost_key TEXT NOT NULL,
                        PRIMARY KEY (person_key, ost_key)) WITHOUT ROWID;
                    CREATE INDEX ost_artists_ost ON ost_artists (ost_key);

                    CREATE TABLE castings (
                        key TEXT PRIMARY KEY, drama_key TEXT NOT NULL, person_key TEXT NOT NULL,
                        status TEXT, role_type TEXT, sort TEXT NOT NULL, data TEXT NOT NULL,
                        item TEXT NOT NULL DEFAULT 'null');
                    CREATE INDEX castings_drama ON castings (drama_key);
                    CREATE INDEX castings_person ON castings (person_key);
                    CREATE INDEX castings_sort ON castings (sort);

                    -- The news[] entry of each article, for documents (newest first, retracted left out).
                    CREATE TABLE news (
                        id TEXT PRIMARY KEY, published_ms INTEGER NOT NULL, retracted INTEGER NOT NULL,
                        entry TEXT NOT NULL) WITHOUT ROWID;

                    -- Which articles support which drama, OST or casting (for article corrections).
                    CREATE TABLE entity_sources (
                        article TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,
                        PRIMARY KEY (article, kind, key)) WITHOUT ROWID;
                    CREATE INDEX entity_sources_entity ON entity_sources (kind, key);

                    -- Every spelling's normalization key, for GET by name.
                    CREATE TABLE names (
                        kind TEXT NOT NULL, norm TEXT NOT NULL, key TEXT NOT NULL,
                        PRIMARY KEY (kind, norm, key)) WITHOUT ROWID;
                    CREATE INDEX names_key ON names (kind, key);

                    -- Keys that disappeared in a MERGE, and where they went.
                    CREATE TABLE merges (
                        kind TEXT NOT NULL, from_key TEXT NOT NULL, into_key TEXT NOT NULL,
                        PRIMARY KEY (kind, from_key)) WITHOUT ROWID;

                    CREATE TABLE documents (
                        id INTEGER PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL,
                        doc TEXT NOT NULL, search_text TEXT, UNIQUE (kind, key));

                    CREATE TABLE feed (
                        seq INTEGER PRIMARY KEY, at TEXT NOT NULL, type TEXT NOT NULL, key TEXT NOT NULL,
                        label TEXT);

                    -- Full text over titles, names, aliases and song titles; rowid = documents.id.
                    CREATE VIRTUAL TABLE search USING fts5 (
                        kind UNINDEXED, key UNINDEXED, name, text,
                        tokenize = 'unicode61 remove_diacritics 2');
                    """)
        }
        migrator.registerMigration("v2") { db in
            // Fragments: each OST's and casting's entry in the documents that embed it, with
            // what the entries are sorted by, so a document is assembled rather than rebuilt.
            try db.execute(
                sql: """
                    ALTER TABLE osts ADD COLUMN part INTEGER;
                    ALTER TABLE osts ADD COLUMN song TEXT;
                    ALTER TABLE osts ADD COLUMN d_entry TEXT NOT NULL DEFAULT 'null';
                    ALTER TABLE osts ADD COLUMN p_entry TEXT NOT NULL DEFAULT 'null';
                    ALTER TABLE osts ADD COLUMN p_title TEXT NOT NULL DEFAULT '';
                    ALTER TABLE castings ADD COLUMN d_entry TEXT NOT NULL DEFAULT 'null';
                    ALTER TABLE castings ADD COLUMN d_name TEXT NOT NULL DEFAULT '';
                    ALTER TABLE castings ADD COLUMN p_entry TEXT NOT NULL DEFAULT 'null';
                    ALTER TABLE castings ADD COLUMN p_title TEXT NOT NULL DEFAULT '';
                    UPDATE osts SET part = json_extract(data, '$.part') WHERE json_type(data, '$.part') = 'integer';
                    UPDATE osts SET song = json_extract(data, '$.song') WHERE json_type(data, '$.song') = 'text';

                    -- Per document, each article its entries cite and how many cite it, ordered
                    -- like news[]: a document's newest news is one index range.
                    CREATE TABLE doc_news (
                        kind TEXT NOT NULL, key TEXT NOT NULL, article TEXT NOT NULL, refs INTEGER NOT NULL,
                        published_ms INTEGER NOT NULL, retracted INTEGER NOT NULL, article_num INTEGER NOT NULL,
                        PRIMARY KEY (kind, key, article)) WITHOUT ROWID;
                    CREATE INDEX doc_news_order ON doc_news (kind, key, retracted, published_ms DESC, article_num DESC);
                    CREATE INDEX doc_news_article ON doc_news (article);
                    INSERT INTO doc_news (kind, key, article, refs, published_ms, retracted, article_num)
                    \(BatchApplier.docNewsDefinition);
                    """)
            try BatchApplier(db).renderAllItems()
        }
        migrator.registerMigration("v3") { db in
            // Drama and person documents are no longer stored whole: a batch that changes one
            // entry of a large document wrote all of it again (the commit's page writes were a
            // fifth of applying). They are assembled from their fragments when read; `doc`
            // keeps articles only. The table is recreated because SQLite cannot relax NOT NULL.
            try db.execute(
                sql: """
                    CREATE TABLE documents_v3 (
                        id INTEGER PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL,
                        doc TEXT, search_text TEXT, UNIQUE (kind, key));
                    INSERT INTO documents_v3 (id, kind, key, seq, doc, search_text)
                        SELECT id, kind, key, seq, CASE WHEN kind = 'article' THEN doc END, search_text FROM documents;
                    DROP TABLE documents;
                    ALTER TABLE documents_v3 RENAME TO documents;
                    """)
        }
        return migrator
    }
}
