/// The schema's versioned migrations, in order.
///
/// They are compiled in (rather than shipped as resource files) so the binaries need nothing
/// beside them at run time. Never edit a released migration; add a new version.
enum Migrations {
    static let all: [(version: Int, sql: String)] = [
        (1, v1),
        (2, v2),
        (3, v3),
        (4, v4),
    ]

    static let v1 = """
        -- DramaWire ingest schema, version 1.
        -- Articles assert facts; OST and casting rows are derived from the non-retracted facts and
        -- rewritten whenever they change. change_log is the dense, commit-ordered stream.

        CREATE TABLE articles (
            id            bigserial PRIMARY KEY,
            url           text NOT NULL UNIQUE,
            content_hash  text NOT NULL,            -- sha256 of the canonical content, hex
            source        text NOT NULL,
            published_at  text NOT NULL,            -- as given, offset kept
            published_utc timestamptz NOT NULL,     -- for ordering
            headline      text NOT NULL,
            body          text,
            retracted     boolean NOT NULL DEFAULT false,
            version       integer NOT NULL DEFAULT 1,
            created_at    timestamptz NOT NULL DEFAULT now(),
            updated_at    timestamptz NOT NULL DEFAULT now()
        );

        CREATE TABLE dramas (
            id          bigserial PRIMARY KEY,
            key         text NOT NULL UNIQUE,       -- normalization key of the first spelling
            title       text NOT NULL,              -- display title
            merged_into bigint REFERENCES dramas(id),
            state       text                        -- last drama.upserted data
        );

        CREATE TABLE people (
            id          bigserial PRIMARY KEY,
            key         text NOT NULL UNIQUE,
            name        text NOT NULL,
            merged_into bigint REFERENCES people(id),
            state       text                        -- last person.upserted data
        );

        -- Every spelling seen, with where it came from. (kind, norm) resolves a name to an entity.
        CREATE TABLE aliases (
            id         bigserial PRIMARY KEY,
            kind       text NOT NULL CHECK (kind IN ('drama', 'person')),
            entity_id  bigint NOT NULL,
            spelling   text NOT NULL,
            norm       text NOT NULL,
            article_id bigint REFERENCES articles(id),
            origin     text NOT NULL DEFAULT 'article' CHECK (origin IN ('article', 'merge')),
            first_seen timestamptz NOT NULL DEFAULT now()
        );
        CREATE UNIQUE INDEX aliases_unique ON aliases (kind, spelling, coalesce(article_id, 0));
        CREATE INDEX aliases_norm ON aliases (kind, norm);
        CREATE INDEX aliases_entity ON aliases (kind, entity_id);

        -- Provenance: the facts each article asserted, with names resolved to entities.
        CREATE TABLE facts (
            id         bigserial PRIMARY KEY,
            article_id bigint NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            idx        integer NOT NULL,
            kind       text NOT NULL CHECK (kind IN ('drama', 'ost', 'casting')),
            drama_id   bigint NOT NULL REFERENCES dramas(id),
            person_ids bigint[] NOT NULL DEFAULT '{}',
            body       text NOT NULL,               -- the fact's canonical JSON
            UNIQUE (article_id, idx)
        );
        CREATE INDEX facts_drama ON facts (drama_id);
        CREATE INDEX facts_people ON facts USING gin (person_ids);

        -- Derived: current OSTs with ordered artist credits.
        CREATE TABLE osts (
            key      text PRIMARY KEY,
            drama_id bigint NOT NULL REFERENCES dramas(id),
            song     text,
            part     integer,
            release  text,
            status   text NOT NULL,
            state    text NOT NULL
        );
        CREATE INDEX osts_drama ON osts (drama_id);
        CREATE TABLE ost_artists (
            ost_key     text NOT NULL REFERENCES osts(key) ON DELETE CASCADE,
            position    integer NOT NULL,
            person_id   bigint NOT NULL REFERENCES people(id),
            credited_as text NOT NULL,
            PRIMARY KEY (ost_key, position)
        );

        -- Derived: current castings with their status history.
        CREATE TABLE castings (
            key       text PRIMARY KEY,
            drama_id  bigint NOT NULL REFERENCES dramas(id),
            person_id bigint NOT NULL REFERENCES people(id),
            role      text,
            role_type text,
            status    text NOT NULL,
            state     text NOT NULL
        );
        CREATE INDEX castings_drama ON castings (drama_id);
        CREATE TABLE casting_status_history (
            casting_key text NOT NULL REFERENCES castings(key) ON DELETE CASCADE,
            position    integer NOT NULL,
            status      text NOT NULL,
            as_of       text NOT NULL,
            article_id  bigint NOT NULL REFERENCES articles(id),
            PRIMARY KEY (casting_key, position)
        );

        -- The change log. Sequence numbers come from log_counter, whose row lock every write
        -- transaction holds until commit: numbers are dense, a rollback leaves no hole, and commit
        -- order equals sequence order, across processes too.
        CREATE TABLE log_counter (
            id  integer PRIMARY KEY CHECK (id = 1),
            seq bigint NOT NULL
        );
        INSERT INTO log_counter VALUES (1, 0);

        CREATE TABLE change_log (
            seq    bigint PRIMARY KEY,
            at     timestamptz NOT NULL DEFAULT now(),
            type   text NOT NULL,
            key    text NOT NULL,
            record text NOT NULL                    -- the full JSON line after "CHANGE <seq> "
        );
        """

    /// Version 2: each derived row lists its supporting articles, so a write recomputes only
    /// the rows a changed article supports (now or before). Existing rows are backfilled from
    /// the `sources` of their state.
    static let v2 = """
        ALTER TABLE osts ADD COLUMN article_ids bigint[] NOT NULL DEFAULT '{}';
        ALTER TABLE castings ADD COLUMN article_ids bigint[] NOT NULL DEFAULT '{}';
        UPDATE osts SET article_ids = ARRAY(SELECT jsonb_array_elements_text(state::jsonb -> 'sources')::bigint);
        UPDATE castings SET article_ids = ARRAY(SELECT jsonb_array_elements_text(state::jsonb -> 'sources')::bigint);
        """

    /// Version 3: what lets a write recompute one entity without reading its drama's or
    /// person's whole history.
    ///
    /// - Each fact names the derived entity it supports: `subject` (a casting's person) and
    ///   `song_norm` / `part` (an OST's normalized title, `''` when untitled, and part), with
    ///   partial indexes, so the assertions of one casting or OST are found by key.
    /// - `name_spellings` keeps, per entity and spelling, its latest use by a non-retracted
    ///   article: names resolve through it, and display names and alias lists come from it,
    ///   instead of a scan of every use.
    /// - Indexes to find the derived rows of a person (renames) and the aliases of an article
    ///   (corrections, retractions).
    ///
    /// `song_norm` needs the Swift normalization, so ``Migrator`` fills it after this script.
    static let v3 = """
        ALTER TABLE facts ADD COLUMN subject bigint;
        ALTER TABLE facts ADD COLUMN song_norm text;
        ALTER TABLE facts ADD COLUMN part integer;
        UPDATE facts SET subject = person_ids[1] WHERE kind = 'casting';
        UPDATE facts SET part = (body::jsonb ->> 'part')::integer WHERE kind = 'ost';
        CREATE INDEX facts_casting ON facts (drama_id, subject) WHERE kind = 'casting';
        CREATE INDEX facts_ost ON facts (drama_id, song_norm) WHERE kind = 'ost';
        CREATE INDEX facts_drama_facts ON facts (drama_id) WHERE kind = 'drama';
        -- Facts are the most written table: no index it does not need. (article_id, idx) is
        -- unique already, and people's facts are found through the derived rows now (a person
        -- merge, rare, scans instead).
        DROP INDEX facts_people;

        CREATE TABLE name_spellings (
            kind          text NOT NULL,
            entity_id     bigint NOT NULL,
            spelling      text NOT NULL,
            norm          text NOT NULL,
            latest_millis bigint,                   -- latest non-retracted use; NULL: none left
            latest_url    text,
            PRIMARY KEY (kind, entity_id, spelling)
        );
        INSERT INTO name_spellings (kind, entity_id, spelling, norm, latest_millis, latest_url)
        SELECT DISTINCT ON (al.kind, al.entity_id, al.spelling) al.kind, al.entity_id, al.spelling, al.norm,
               (extract(epoch FROM a.published_utc) * 1000)::bigint, a.url
        FROM aliases al LEFT JOIN articles a ON a.id = al.article_id AND NOT a.retracted
        WHERE al.origin = 'article'
        ORDER BY al.kind, al.entity_id, al.spelling, a.published_utc DESC NULLS LAST, a.url DESC;
        -- Names resolve here: one row per spelling, where aliases has one per spelling and article.
        CREATE INDEX name_spellings_norm ON name_spellings (kind, norm);

        -- Each alias row carries its article's publication instant and url while the article
        -- stands (NULL once retracted), so a spelling's latest use is one index probe.
        ALTER TABLE aliases ADD COLUMN use_millis bigint;
        ALTER TABLE aliases ADD COLUMN use_url text;
        UPDATE aliases al SET use_millis = (extract(epoch FROM a.published_utc) * 1000)::bigint, use_url = a.url
        FROM articles a WHERE a.id = al.article_id AND NOT a.retracted AND al.origin = 'article';
        CREATE INDEX aliases_article ON aliases (article_id);
        -- One index for an entity's aliases (merges) and a spelling's latest use (one probe).
        DROP INDEX aliases_entity;
        CREATE INDEX aliases_latest ON aliases (kind, entity_id, spelling, use_millis DESC, use_url DESC);

        -- Which titled songs of a drama an artist sang (insert-only, a superset after
        -- retractions): the candidates an untitled announcement by that artist may join.
        CREATE TABLE ost_song_artists (
            drama_id  bigint NOT NULL,
            person_id bigint NOT NULL,
            song_norm text NOT NULL,
            PRIMARY KEY (drama_id, person_id, song_norm)
        );
        CREATE INDEX ost_song_artists_person ON ost_song_artists (person_id);
        CREATE INDEX facts_ost_part ON facts (drama_id, part) WHERE kind = 'ost' AND part IS NOT NULL;
        CREATE INDEX castings_person ON castings (person_id);
        CREATE INDEX ost_artists_person ON ost_artists (person_id);
        """

    static let v4 = """
        -- What a drama's own state, a casting's and a titled OST's state were resolved from
        -- (StateFold: each field's winning assertion, a casting's history entries with their
        -- first and last report, an OST's artists), so new articles fold into a state without
        -- re-reading its assertions. NULL
        -- (rows from before this version, or written without one): resolve from every assertion.
        ALTER TABLE dramas ADD COLUMN fold text;
        ALTER TABLE castings ADD COLUMN fold text;
        ALTER TABLE osts ADD COLUMN fold text;
        """
}
