-- pgbench script: the SQL DramaWire's write path runs for one INGEST of a three-fact item
-- (drama + OST + casting, like `dramawire bench ingest`), one item per transaction, i.e.
-- without group commit. Run it against a database populated by `dramawire bench ingest`
-- (see deploy/bench/compare.sh); ids are drawn from what that run created.
\set n random(1, 2000000000)
\set drama random(1, 100)
\set person random(1, 200)
\set person2 random(1, 200)
BEGIN;
SELECT seq FROM log_counter WHERE id = 1 FOR UPDATE;
SAVEPOINT item;
SELECT id, content_hash = encode(sha256(convert_to('content-' || :n, 'UTF8')), 'hex'), retracted FROM articles WHERE url = 'https://pgbench.example/' || :client_id || '/' || :n;
INSERT INTO articles (url, content_hash, source, published_at, published_utc, headline, body) VALUES ('https://pgbench.example/' || :client_id || '/' || :n, encode(sha256(convert_to('content-' || :n, 'UTF8')), 'hex'), 'Bench Wire', '2024-04-10T10:00:00+09:00', '2024-04-10T01:00:00Z', 'pgbench item', NULL) RETURNING id \gset a_
SELECT DISTINCT ON (norm) norm, entity_id FROM aliases WHERE kind = 'drama' AND norm = ANY(ARRAY[(SELECT key FROM dramas WHERE id = :drama)]);
INSERT INTO aliases (kind, entity_id, spelling, norm, article_id) SELECT 'drama', :drama, title, key, :a_id FROM dramas WHERE id = :drama ON CONFLICT DO NOTHING;
SELECT DISTINCT ON (norm) norm, entity_id FROM aliases WHERE kind = 'person' AND norm = ANY(ARRAY[(SELECT key FROM people WHERE id = :person), (SELECT key FROM people WHERE id = :person2)]);
INSERT INTO aliases (kind, entity_id, spelling, norm, article_id) SELECT 'person', id, name, key, :a_id FROM people WHERE id IN (:person, :person2) ON CONFLICT DO NOTHING;
INSERT INTO facts (article_id, idx, kind, drama_id, person_ids, body) SELECT :a_id, i, k, :drama, p::bigint[], '{"kind":"ost"}' FROM unnest(ARRAY[0,1,2], ARRAY['ost','casting','drama'], ARRAY['{' || :person || '}', '{' || :person2 || '}', '{}']) AS t(i, k, p);
SELECT version FROM articles WHERE id = :a_id;
RELEASE SAVEPOINT item;
SELECT id, key, name, state FROM people WHERE id = ANY(ARRAY[:person, :person2]::bigint[]) AND merged_into IS NULL ORDER BY id;
SELECT DISTINCT ON (al.entity_id, al.spelling) al.entity_id, al.spelling, (extract(epoch FROM a.published_utc) * 1000)::bigint, a.url FROM aliases al LEFT JOIN articles a ON a.id = al.article_id AND NOT a.retracted WHERE al.kind = 'person' AND al.entity_id = ANY(ARRAY[:person, :person2]::bigint[]) AND al.origin = 'article' ORDER BY al.entity_id, al.spelling, a.published_utc DESC NULLS LAST, a.url DESC;
SELECT id, key, title, state, merged_into FROM dramas WHERE id = ANY(ARRAY[:drama]::bigint[]);
SELECT DISTINCT ON (al.entity_id, al.spelling) al.entity_id, al.spelling, (extract(epoch FROM a.published_utc) * 1000)::bigint, a.url FROM aliases al LEFT JOIN articles a ON a.id = al.article_id AND NOT a.retracted WHERE al.kind = 'drama' AND al.entity_id = ANY(ARRAY[:drama]::bigint[]) AND al.origin = 'article' ORDER BY al.entity_id, al.spelling, a.published_utc DESC NULLS LAST, a.url DESC;
SELECT f.drama_id, f.idx, f.body, f.person_ids, a.id, a.url, a.published_at FROM facts f JOIN articles a ON a.id = f.article_id WHERE f.drama_id = ANY(ARRAY[:drama]::bigint[]) AND NOT a.retracted;
SELECT id, key, name FROM people WHERE id = ANY(ARRAY[:person, :person2]::bigint[]);
SELECT 'ost', drama_id, key, state FROM osts WHERE drama_id = ANY(ARRAY[:drama]::bigint[]) UNION ALL SELECT 'casting', drama_id, key, state FROM castings WHERE drama_id = ANY(ARRAY[:drama]::bigint[]);
UPDATE dramas SET state = state WHERE id = :drama;
UPDATE osts SET state = state WHERE key = (SELECT key FROM osts WHERE drama_id = :drama LIMIT 1);
UPDATE castings SET state = state WHERE key = (SELECT key FROM castings WHERE drama_id = :drama LIMIT 1);
INSERT INTO change_log (seq, type, key, record) SELECT s, 'article.upserted', 'pgbench', '{"pgbench":true}' FROM generate_series((SELECT seq FROM log_counter WHERE id = 1) + 1, (SELECT seq FROM log_counter WHERE id = 1) + 5) AS s;
UPDATE log_counter SET seq = seq + 5 WHERE id = 1;
SELECT pg_notify('dramawire_changes_pgbench', '1');
COMMIT;
