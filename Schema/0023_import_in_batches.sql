-- Importing a tracker in batches (issue 14: 10,000 rows in well under 30 seconds).
--
-- * An import now writes each table's rows in one statement (hundreds of round trips instead of tens of
--   thousands). The trail must still say, for every record, which row of which file it came from. A
--   statement can set only one `app.context`, so an import also notes, through audit.note_import_rows,
--   the key of each partner, review, recommendation and assignment it writes with its spreadsheet row
--   (in audit.import_rows, under its own transaction's id), and sets `app.context_rows` to `on`: each
--   event's context is then `app.context` followed by " row N" for its record (or for the assignment or
--   recommendation an update, revision or move belongs to), the very text the per-row writes recorded
--   before ("import of tracker.xlsx sha256=… sheet Actions row 14"). The table belongs to the trail's
--   owner and only its two functions write it, so nothing the service makes (a temporary view, a
--   policy) runs inside the trail's trigger; the import forgets its rows before it commits.
--   Events of every other write are unchanged: without the setting there is no lookup.
-- * Recurring lessons (migration 19) are kept by a trigger that searches, for each recommendation
--   recorded, the recommendations it resembles: 10–20 ms each on a partnership's register, so minutes
--   for the thousands of recommendations a tracker brings, inside the import's transaction (and past
--   the service's statement timeout). An import now sets `app.likeness` to `later`: the trigger then
--   only notes the recommendation in learning.pending_likeness, and after the import has committed
--   learning.refresh_pending_likeness works the noted ones out in small batches, each its own short
--   transaction, after bringing the table's statistics (which the search ranks stems by) and its
--   words index (whose pending list of new rows every search reads through) up to date. The pairs are derived data (migration 19), so a recommendation's lessons arriving a
--   little after it changes nothing recorded; one left noted by a crash is worked out by the next call.
-- * register.progress_updates.import_id: the import run an update came from (NULL for updates people
--   send). Running a tracker again compares its update with the latest one an import made, so the same
--   file adds nothing even after a partner has sent a newer update, and a tracker that changed (Green,
--   then Amber, then Green again) still adds each change.

ALTER TABLE register.progress_updates ADD COLUMN import_id uuid REFERENCES register.imports (id);
CREATE INDEX progress_updates_imported ON register.progress_updates (assignment_id, id) WHERE import_id IS NOT NULL;

-- audit.record_change as in migration 20, with the row lookup added after the key is known.
SET ROLE register_audit_owner;

CREATE UNLOGGED TABLE audit.import_rows (
    xact  xid8    NOT NULL,
    key   text    NOT NULL,
    row   integer NOT NULL CHECK (row > 0),
    PRIMARY KEY (xact, key)
);
REVOKE ALL ON audit.import_rows FROM PUBLIC;

-- Notes the spreadsheet row of each record key, for the calling transaction only (the first row given
-- for a key stands).
CREATE FUNCTION audit.note_import_rows(keys text[], rows integer[]) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
        INSERT INTO audit.import_rows (xact, key, row)
        SELECT pg_current_xact_id(), x.key, x.row FROM unnest(keys, rows) AS x(key, row)
        ON CONFLICT DO NOTHING
    $$;

-- Forgets the calling transaction's rows (an import, once its records are written and sealed).
CREATE FUNCTION audit.forget_import_rows() RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ DELETE FROM audit.import_rows WHERE xact = pg_current_xact_id() $$;

REVOKE ALL ON FUNCTION audit.note_import_rows(text[], integer[]), audit.forget_import_rows() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit.note_import_rows(text[], integer[]), audit.forget_import_rows() TO register_app;

CREATE OR REPLACE FUNCTION audit.record_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
    DECLARE
        actor     text := current_setting('app.actor', true);
        request   text := current_setting('app.request_id', true);
        client    text := coalesce(current_setting('app.client_request_id', true), '');
        context   text := coalesce(current_setting('app.context', true), '');
        old_row   jsonb;
        new_row   jsonb;
        key_value text;
        key_part  text;
    BEGIN
        -- Only the register's own tables: a trigger someone puts on a temporary table of the same
        -- name must not be able to write events that look like the register's.
        IF TG_TABLE_SCHEMA <> 'register' THEN
            RAISE EXCEPTION 'audit: events are recorded for schema register only, not %', TG_TABLE_SCHEMA USING ERRCODE = 'LRA04';
        END IF;
        IF coalesce(actor, '') = '' OR coalesce(request, '') = '' THEN
            RAISE EXCEPTION 'audit: % on register.% refused: the transaction did not set app.actor and app.request_id',
                TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'LRA01', HINT = 'Write through the register''s transaction helper, which sets both.';
        END IF;
        IF TG_OP <> 'INSERT' THEN old_row := to_jsonb(OLD) - 'search'; END IF;
        IF TG_OP <> 'DELETE' THEN new_row := to_jsonb(NEW) - 'search'; END IF;
        -- The trigger's arguments name the key columns (a join table's key has two), joined by '/'.
        key_value := coalesce(new_row, old_row) ->> TG_ARGV[0];
        FOR i IN 1 .. TG_NARGS - 1 LOOP
            key_part := coalesce(new_row, old_row) ->> TG_ARGV[i];
            key_value := CASE WHEN key_part IS NULL THEN key_value WHEN key_value IS NULL THEN key_part ELSE key_value || '/' || key_part END;
        END LOOP;
        -- An import in batches names each record's spreadsheet row: the record's own, else (a
        -- progress update, a due-date revision, a status move) that of the assignment or
        -- recommendation it belongs to.
        IF context <> '' AND current_setting('app.context_rows', true) = 'on' THEN
            context := context || coalesce((
                SELECT ' row ' || r.row FROM audit.import_rows r
                WHERE r.xact = pg_current_xact_id() AND r.key IN (key_value, coalesce(new_row, old_row) ->> 'assignment_id', coalesce(new_row, old_row) ->> 'recommendation_id')
                ORDER BY r.key = key_value DESC, r.key = coalesce(new_row, old_row) ->> 'assignment_id' DESC
                LIMIT 1), '');
        END IF;
        PERFORM audit.append_event((jsonb_build_object(
            'table', TG_TABLE_NAME,
            'op', TG_OP,
            'key', key_value,
            'old', old_row,
            'new', new_row,
            'actor', actor,
            'request_id', request,
            'db_user', session_user,
            'at', to_char(transaction_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
            || CASE WHEN client = '' THEN '{}'::jsonb ELSE jsonb_build_object('client_request_id', client) END
            || CASE WHEN context = '' THEN '{}'::jsonb ELSE jsonb_build_object('context', context) END)::text);
        RETURN NULL;
    END
    $$;

RESET ROLE;

-- The similarity of migration 19, for many recommendations in one statement: the statistics are read
-- once, each recommendation's stems ranked by rarity in one pass, and each one's bounded search made
-- as before. register.recommendation_neighbours (one recommendation) is now this function asked about
-- one, so the rule stays written once. Same answers: on a 500-recommendation register, the pairs from
-- one call for all equal those from 500 calls of migration 19's function (BENCHMARKS.md).
CREATE FUNCTION register.recommendations_neighbours(recommendations uuid[], max_count integer, at_least double precision DEFAULT 0)
    RETURNS TABLE (recommendation_id uuid, id uuid, score double precision, terms text[])
    LANGUAGE sql STABLE
    SET search_path = pg_catalog
    AS $$
        WITH frequency AS (
            SELECT m.lexeme, m.share
            FROM pg_stats s, unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS m(lexeme, share)
            WHERE s.schemaname = 'register' AND s.tablename = 'recommendations' AND s.attname = 'search' AND m.lexeme IS NOT NULL),
        me AS (SELECT x.id, x.review_id, x.search FROM register.recommendations x WHERE x.id = ANY(recommendations)),
        ranked AS (
            SELECT me.id AS me, u.lexeme, row_number() OVER (PARTITION BY me.id ORDER BY coalesce(f.share, 0), u.lexeme) AS rarity,
                   count(*) OVER (PARTITION BY me.id) AS stems
            FROM me CROSS JOIN unnest(me.search) AS u(lexeme, positions, weights) LEFT JOIN frequency f ON f.lexeme = u.lexeme),
        terms AS (
            SELECT r.me, array_agg(r.lexeme) AS lexemes, count(*) AS stems,
                   to_tsquery('simple', string_agg(quote_literal(r.lexeme), ' | ')) AS any_query
            FROM ranked r GROUP BY r.me),
        pairs AS (
            SELECT a.me, to_tsquery('simple', string_agg(quote_literal(a.lexeme) || ' & ' || quote_literal(b.lexeme), ' | ')) AS query
            FROM ranked a JOIN ranked b ON b.me = a.me AND a.rarity < b.rarity
            WHERE at_least > 0 AND b.rarity <= a.stems - ceil(at_least * a.stems) + 2
            GROUP BY a.me)
        SELECT me.id, n.id, n.score, n.terms
        FROM me JOIN terms t ON t.me = me.id LEFT JOIN pairs p ON p.me = me.id
        CROSS JOIN LATERAL (
            SELECT o.id, (s.shared::float8 / (cardinality(t.lexemes) + length(o.search) - s.shared))::float8 AS score, s.terms
            FROM register.recommendations o
            CROSS JOIN LATERAL (
                SELECT count(*)::int AS shared, array_agg(u.lexeme ORDER BY u.lexeme) AS terms
                FROM unnest(o.search) AS u(lexeme, positions, weights) WHERE u.lexeme = ANY(t.lexemes)) s
            WHERE o.review_id <> me.review_id AND o.search @@ (CASE WHEN at_least <= 0 THEN t.any_query ELSE p.query END) AND s.shared >= 2
              AND (at_least <= 0 OR length(o.search) BETWEEN ceil(at_least * t.stems) AND floor(t.stems / at_least))
              AND (s.shared::float8 / (cardinality(t.lexemes) + length(o.search) - s.shared)) >= at_least
            ORDER BY score DESC, o.id
            LIMIT max_count) n
        ORDER BY me.id, n.score DESC, n.id
    $$;

CREATE OR REPLACE FUNCTION register.recommendation_neighbours(recommendation uuid, max_count integer, at_least double precision DEFAULT 0)
    RETURNS TABLE (id uuid, score double precision, terms text[])
    LANGUAGE sql STABLE
    SET search_path = pg_catalog
    AS $$
        SELECT n.id, n.score, n.terms FROM register.recommendations_neighbours(ARRAY[recommendation], max_count, at_least) n
        ORDER BY n.score DESC, n.id
    $$;
GRANT EXECUTE ON FUNCTION register.recommendations_neighbours(uuid[], integer, double precision) TO register_app, register_auditor;

-- Recommendations whose likeness is still to be worked out (recorded by an import). Only the
-- functions below, running as the owner, read or write it.
CREATE TABLE learning.pending_likeness (
    recommendation_id uuid PRIMARY KEY REFERENCES register.recommendations (id) ON DELETE CASCADE,
    noted_at          timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON learning.pending_likeness FROM PUBLIC;

-- The recurring-lessons trigger of migration 19, leaving recommendations an import records in bulk
-- to learning.refresh_likeness_of.
CREATE OR REPLACE FUNCTION learning.refresh_likeness() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
    BEGIN
        IF current_setting('app.likeness', true) = 'later' THEN
            INSERT INTO learning.pending_likeness (recommendation_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
            RETURN NULL;
        END IF;
        DELETE FROM learning.likeness WHERE recommendation_id = NEW.id OR like_id = NEW.id;
        INSERT INTO learning.likeness (recommendation_id, like_id, score)
        SELECT NEW.id, n.id, n.score FROM register.recommendation_neighbours(NEW.id, 10, register.recommendations_alike_from()) n;
        RETURN NULL;
    END
    $$;

-- Works out the likeness of at most `how_many` noted recommendations, oldest first, and returns how
-- many it did (0: none left). Several callers at once take different ones.
CREATE FUNCTION learning.refresh_pending_likeness(how_many integer) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
    DECLARE
        taken uuid[];
    BEGIN
        -- After a large import, before its first batch: the search ranks stems by the table's
        -- statistics, gathered before the import's recommendations were noted, and its words index
        -- keeps newly added rows in a pending list every search reads through until a vacuum folds it
        -- in. Both brought up to date, a search on 5,000 recommendations takes about 1.5 ms instead of
        -- 10–50 (BENCHMARKS.md).
        IF (SELECT count(*) FROM (SELECT 1 FROM learning.pending_likeness LIMIT 100) p) >= 100
           AND NOT EXISTS (
               SELECT 1 FROM pg_stat_user_tables t
               WHERE t.relid = 'register.recommendations'::regclass
                 AND greatest(t.last_analyze, t.last_autoanalyze) > (SELECT min(p.noted_at) FROM learning.pending_likeness p)) THEN
            ANALYZE register.recommendations;
            PERFORM gin_clean_pending_list('register.recommendations_search'::regclass);
        END IF;
        WITH next AS (
            SELECT p.recommendation_id FROM learning.pending_likeness p ORDER BY p.noted_at, p.recommendation_id
            LIMIT greatest(how_many, 1) FOR UPDATE SKIP LOCKED),
        gone AS (DELETE FROM learning.pending_likeness p USING next WHERE p.recommendation_id = next.recommendation_id RETURNING p.recommendation_id)
        SELECT array_agg(gone.recommendation_id) INTO taken FROM gone;
        IF taken IS NULL THEN
            RETURN 0;
        END IF;
        DELETE FROM learning.likeness WHERE recommendation_id = ANY(taken) OR like_id = ANY(taken);
        INSERT INTO learning.likeness (recommendation_id, like_id, score)
        SELECT n.recommendation_id, n.id, n.score
        FROM register.recommendations_neighbours(taken, 10, register.recommendations_alike_from()) n
        ON CONFLICT DO NOTHING;
        RETURN cardinality(taken);
    END
    $$;
REVOKE ALL ON FUNCTION learning.refresh_pending_likeness(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION learning.refresh_pending_likeness(integer) TO register_app;
