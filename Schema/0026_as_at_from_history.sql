-- As-at reads from kept history (issue 16: "as-at reads must not scan a table's whole history").
--
-- Until now every table "as at" a moment (register.reviews_at and its thirteen siblings) was rebuilt
-- from the audit trail at each read: audit.rows_as_at walked every event sealed before the moment,
-- of every table (its generic plan used events_sealed_at), kept each row's last one and parsed its
-- JSON, and only then could a query keep the one review it wanted. At 2.1 million events one review's
-- page as at a past day took 1.7-3.3 s and the whole register's report 19.6 times the live one.
--
-- From here the seal also keeps each of those tables' history, typed, beside the chain:
--  * `audit.history_<table>` has the live table's stored columns plus `history_key` (the row's key, as
--    in its events), `history_from` (the seal time of the event that made this version) and
--    `history_to` (the seal time of the next event of the same row; null while it is the latest).
--    A version is the row as at any moment m with history_from < m <= history_to: exactly the `new`
--    side of the row's last event sealed before m, which is what audit.rows_as_at returns. A deletion
--    closes the row's version and opens none. Two changes of one row sealed together share their seal
--    time, so the earlier one is never the row as at any moment: within a slice it is not kept, across
--    slices it is kept closed at the time it opened (valid at no moment).
--  * The seal (audit.seal_journalled, restated from migration 25 with one added call) writes the
--    versions of each slice it seals, in its own transaction: audit.keep_history, generated from the
--    list of history tables by audit.define_history_keeper() so that its statements are static (plans
--    kept for the session) rather than built per seal.
--  * `register.<table>_as_at(p_at)` reads the history table as it stood at p_at, and
--    `register.<table>_at(p_at)` the live table when p_at is null, as before, and the history otherwise.
--    Both are inlinable SQL functions, so a query's filter (one review, one assignment) reaches the
--    history table's indexes; joined, `_as_at` is a plain relation to the planner and a join reaches
--    its indexes too. Generated columns (the search vectors) are computed from their own expression,
--    as the live table does.
--  * The trail stays the authority. audit.rows_as_at and audit.row_as_at are unchanged: they read the
--    chain itself, for auditors' own questions and for the test that holds every history table to them
--    at every seal time (Tests/RegisterServerTests/AsAtHistoryTests.swift). audit.rebuild_history(t)
--    rebuilds a table's history from the chain, as this migration does for the events already sealed.
--  * Like the chain, the history is written only by the seal (and a rebuild): triggers refuse every
--    other INSERT, UPDATE, DELETE and TRUNCATE, the audit owner's included. Both run as triggers (see
--    audit.seal_journal and audit.rebuild_history), so their statements run at trigger depth 2, which
--    no setting imitates (the rule of audit.journal, migration 25).
--
-- A later migration that adds a column to one of these tables runs `SELECT register.define_as_at('<table>')`
-- after it: the column is added to the history (no default and no NOT NULL: older versions lack it, as
-- their events do) and the reader is written again with it. A test fails if a history table's columns
-- drift from its table's. A new table gets its history the same way, then `SELECT audit.define_history_keeper()`
-- and `SELECT audit.rebuild_history('<table>')`.
--
-- Run with the service stopped, as every migration is (`learning-register migrate`): the chain's lock is
-- held from here to the end, so no seal can run between the rebuild and the new seal function.

SELECT FROM audit.head FOR UPDATE;

SET ROLE register_audit_owner;
CREATE FUNCTION audit.refuse_history_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog
    AS $$
    BEGIN
        IF pg_trigger_depth() >= 2 THEN
            RETURN NULL;  -- a statement-level trigger's result is ignored
        END IF;
        RAISE EXCEPTION 'the audit trail''s history is written only by its seal: % on %.% refused', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
            USING ERRCODE = 'LRA02', HINT = 'Rebuild a table''s history from the chain with audit.rebuild_history(table).';
    END
    $$;
REVOKE ALL ON FUNCTION audit.refuse_history_change() FROM PUBLIC;
RESET ROLE;

-- A table's history and its reader, from the catalogue (see above). Run by migrations only.
CREATE FUNCTION register.define_as_at(p_table text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog
    AS $define$
    DECLARE
        live    regclass := format('register.%I', p_table)::regclass;
        kept    text := 'history_' || p_table;
        stored  text;
        columns text;
        missing record;
    BEGIN
        IF to_regclass(format('audit.%I', kept)) IS NULL THEN
            SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO stored
            FROM pg_attribute a WHERE a.attrelid = live AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '';
            EXECUTE format('CREATE TABLE audit.%I AS SELECT %s FROM %s WITH NO DATA', kept, stored, live);
            EXECUTE format('ALTER TABLE audit.%I ADD COLUMN history_key text NOT NULL, ADD COLUMN history_from text NOT NULL, '
                           'ADD COLUMN history_to text', kept);
            -- The open version of each row: the one the next change closes.
            EXECUTE format('CREATE UNIQUE INDEX %I ON audit.%I (history_key) WHERE history_to IS NULL', kept || '_open', kept);
            EXECUTE format('CREATE TRIGGER seal_only BEFORE INSERT OR UPDATE OR DELETE ON audit.%I '
                           'FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_history_change()', kept);
            EXECUTE format('CREATE TRIGGER no_truncate BEFORE TRUNCATE ON audit.%I '
                           'FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_history_change()', kept);
            EXECUTE format('ALTER TABLE audit.%I ENABLE ALWAYS TRIGGER seal_only, ENABLE ALWAYS TRIGGER no_truncate', kept);
            EXECUTE format('ALTER TABLE audit.%I OWNER TO register_audit_owner', kept);
            EXECUTE format('REVOKE ALL ON audit.%I FROM PUBLIC', kept);
            EXECUTE format('GRANT SELECT ON audit.%I TO register_app, register_auditor', kept);
        END IF;
        -- A column whose type changed: its older versions may not read as the new type. Stop here rather
        -- than let every later seal fail on it; the migration that changes a type decides how its history reads.
        PERFORM FROM pg_attribute a JOIN pg_attribute h ON h.attname = a.attname AND NOT h.attisdropped
                                    AND h.attrelid = format('audit.%I', kept)::regclass
        WHERE a.attrelid = live AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
          AND (h.atttypid, h.atttypmod) IS DISTINCT FROM (a.atttypid, a.atttypmod);
        IF FOUND THEN
            RAISE EXCEPTION 'a column of % changed its type: change audit.% the same way first', live, kept;
        END IF;
        FOR missing IN
            SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type
            FROM pg_attribute a
            WHERE a.attrelid = live AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
              AND NOT EXISTS (SELECT FROM pg_attribute h WHERE h.attrelid = format('audit.%I', kept)::regclass
                                                         AND h.attname = a.attname AND NOT h.attisdropped)
            ORDER BY a.attnum
        LOOP
            EXECUTE format('ALTER TABLE audit.%I ADD COLUMN %I %s', kept, missing.attname, missing.type);
        END LOOP;
        SELECT string_agg(CASE WHEN a.attgenerated = '' THEN 'h.' || quote_ident(a.attname)
                               ELSE pg_get_expr(d.adbin, d.adrelid) || ' AS ' || quote_ident(a.attname) END, ', ' ORDER BY a.attnum)
        INTO columns
        FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = live AND a.attnum > 0 AND NOT a.attisdropped;
        -- <table>_as_at: the table as it stood at p_at, from its history alone. A query that
        -- knows it reads the past names it (RegisterStore's `\(table:at:)`): a plain relation to the
        -- planner once inlined, which a join can reach through its indexes.
        EXECUTE format($f$
            CREATE OR REPLACE FUNCTION register.%1$I(p_at text) RETURNS SETOF %2$s
                LANGUAGE sql STABLE
                AS $body$
                    SELECT %3$s FROM audit.%4$I h
                    WHERE h.history_from < p_at AND (h.history_to IS NULL OR h.history_to >= p_at)
                $body$$f$, p_table || '_as_at', live, columns, kept);
        -- <table>_at: live when p_at is null, as it stood at p_at otherwise, in one function (a branch
        -- of a UNION that has a condition stays a subquery to the planner: filtered, not joined through).
        EXECUTE format($f$
            CREATE OR REPLACE FUNCTION register.%1$I(p_at text) RETURNS SETOF %2$s
                LANGUAGE sql STABLE
                AS $body$
                    SELECT * FROM %2$s WHERE p_at IS NULL
                    UNION ALL
                    SELECT * FROM register.%3$I(p_at) WHERE p_at IS NOT NULL
                $body$$f$, p_table || '_at', live, p_table || '_as_at');
        EXECUTE format('GRANT EXECUTE ON FUNCTION register.%I(text), register.%I(text) TO register_app, register_auditor',
                       p_table || '_as_at', p_table || '_at');
    END
    $define$;
REVOKE ALL ON FUNCTION register.define_as_at(text) FROM PUBLIC;

SELECT register.define_as_at(t) FROM unnest(ARRAY[
    'reviews', 'findings', 'recommendations', 'recommendation_findings', 'recommendation_transitions', 'clock_pauses',
    'review_documents', 'review_document_withdrawals', 'partners', 'assignments', 'progress_updates', 'evidence',
    'evidence_files', 'evidence_decisions']) t;

-- The live table too: an assignment's latest update, read from the end of this index.
CREATE INDEX progress_updates_latest ON register.progress_updates (assignment_id, happened_on, id);

SET ROLE register_audit_owner;

-- audit.keep_history(stamp, tables, keys, states): the versions one slice of a seal makes, one block of
-- static statements per history table. Written again whenever a history table is added.
CREATE FUNCTION audit.define_history_keeper() RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog
    AS $define$
    DECLARE
        blocks text := '';
        kept   text;
    BEGIN
        FOR kept IN
            SELECT substr(c.relname, length('history_') + 1) FROM pg_class c
            WHERE c.relnamespace = 'audit'::regnamespace AND c.relkind = 'r' AND c.relname LIKE 'history\_%'
            ORDER BY c.relname
        LOOP
            blocks := blocks || format($block$
                IF %1$L = ANY (present) THEN
                    UPDATE audit.%2$I h SET history_to = stamp
                    FROM (SELECT DISTINCT x.key FROM unnest(tables, keys, states) AS x(tbl, key, state)
                          WHERE x.tbl = %1$L AND x.state IS NOT NULL) changed
                    WHERE h.history_key = changed.key AND h.history_to IS NULL;
                    INSERT INTO audit.%2$I
                    SELECT r.* FROM (SELECT DISTINCT ON (x.key) x.key, x.state
                                     FROM unnest(tables, keys, states) WITH ORDINALITY AS x(tbl, key, state, place)
                                     WHERE x.tbl = %1$L AND x.state IS NOT NULL
                                     ORDER BY x.key, x.place DESC) latest
                    CROSS JOIN LATERAL jsonb_populate_record(NULL::audit.%2$I,
                        latest.state || jsonb_build_object('history_key', latest.key, 'history_from', stamp)) r
                    WHERE jsonb_typeof(latest.state) = 'object';
                END IF;$block$, kept, 'history_' || kept);
        END LOOP;
        EXECUTE format($f$
            CREATE OR REPLACE FUNCTION audit.keep_history(stamp text, tables text[], keys text[], states jsonb[]) RETURNS void
                LANGUAGE plpgsql
                SET search_path = pg_catalog, pg_temp
                AS $body$
                DECLARE
                    -- The tables this slice changed (a read has no state).
                    present text[] := ARRAY(SELECT DISTINCT x.tbl FROM unnest(tables, states) AS x(tbl, state) WHERE x.state IS NOT NULL);
                BEGIN%s
                END
                $body$$f$, blocks);
        REVOKE ALL ON FUNCTION audit.keep_history(text, text[], text[], jsonb[]) FROM PUBLIC;
    END
    $define$;
REVOKE ALL ON FUNCTION audit.define_history_keeper() FROM PUBLIC;
SELECT audit.define_history_keeper();

-- A table's history rebuilt from the chain: each non-read event's row, kept until the next event of
-- the same row (the same rule as audit.rows_as_at). The work runs as the BEFORE INSERT trigger of
-- `audit.rebuild_requests` (which stores nothing), so that its statements pass the history's guard,
-- as the seal's do; audit.rebuild_history asks for it under the chain's lock, so that no seal adds
-- versions meanwhile, and returns the number of versions kept.
CREATE FUNCTION audit.rebuild_requested() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $define$
    DECLARE
        kept   text := 'history_' || NEW.table_name;
        stored bigint;
    BEGIN
        EXECUTE format('TRUNCATE audit.%I', kept);
        EXECUTE format($q$
            INSERT INTO audit.%1$I
            SELECT r.* FROM (
                SELECT e.row_key, e.sealed_at, e.payload::jsonb -> 'new' AS state,
                       lead(e.sealed_at) OVER (PARTITION BY e.row_key ORDER BY e.seq) AS until
                FROM audit.events e
                WHERE e.table_name = $1 AND e.operation <> 'READ'
            ) v
            CROSS JOIN LATERAL jsonb_populate_record(NULL::audit.%1$I,
                v.state || jsonb_build_object('history_key', v.row_key, 'history_from', v.sealed_at, 'history_to', v.until)) r
            WHERE jsonb_typeof(v.state) = 'object' AND (v.until IS NULL OR v.until <> v.sealed_at)$q$, kept) USING NEW.table_name;
        GET DIAGNOSTICS stored = ROW_COUNT;
        PERFORM set_config('audit.rebuilt', stored::text, true);
        RETURN NULL;
    END
    $define$;
CREATE UNLOGGED TABLE audit.rebuild_requests (table_name text NOT NULL);
REVOKE ALL ON audit.rebuild_requests FROM PUBLIC;
CREATE TRIGGER rebuild BEFORE INSERT ON audit.rebuild_requests FOR EACH ROW EXECUTE FUNCTION audit.rebuild_requested();
ALTER TABLE audit.rebuild_requests ENABLE ALWAYS TRIGGER rebuild;

CREATE FUNCTION audit.rebuild_history(p_table text) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $define$
    BEGIN
        IF to_regclass(format('audit.%I', 'history_' || p_table)) IS NULL THEN
            RAISE EXCEPTION 'no history is kept of %', p_table;
        END IF;
        PERFORM FROM audit.head h WHERE h.singleton FOR UPDATE;
        INSERT INTO audit.rebuild_requests (table_name) VALUES (p_table);
        EXECUTE format('ANALYZE audit.%I', 'history_' || p_table);
        RETURN current_setting('audit.rebuilt')::bigint;
    END
    $define$;
REVOKE ALL ON FUNCTION audit.rebuild_history(text), audit.rebuild_requested() FROM PUBLIC;

SELECT audit.rebuild_history(substr(c.relname, length('history_') + 1))
FROM pg_class c WHERE c.relnamespace = 'audit'::regnamespace AND c.relkind = 'r' AND c.relname LIKE 'history\_%'
ORDER BY c.relname;

-- What the as-at reads look rows up by (the live tables' own keys and links), made after the
-- histories are filled.
CREATE INDEX history_reviews_id ON audit.history_reviews (id);
CREATE INDEX history_reviews_board ON audit.history_reviews (board_id);
CREATE INDEX history_findings_review ON audit.history_findings (review_id);
CREATE INDEX history_findings_id ON audit.history_findings (id);
CREATE INDEX history_recommendations_id ON audit.history_recommendations (id);
CREATE INDEX history_recommendations_review ON audit.history_recommendations (review_id);
CREATE INDEX history_recommendation_findings_recommendation ON audit.history_recommendation_findings (recommendation_id);
CREATE INDEX history_recommendation_findings_review ON audit.history_recommendation_findings (review_id);
CREATE INDEX history_recommendation_transitions_recommendation ON audit.history_recommendation_transitions (recommendation_id);
CREATE INDEX history_clock_pauses_review ON audit.history_clock_pauses (review_id);
CREATE INDEX history_review_documents_review ON audit.history_review_documents (review_id);
CREATE INDEX history_review_document_withdrawals_document ON audit.history_review_document_withdrawals (document_id);
CREATE INDEX history_partners_id ON audit.history_partners (id);
CREATE INDEX history_assignments_id ON audit.history_assignments (id);
CREATE INDEX history_assignments_recommendation ON audit.history_assignments (recommendation_id);
CREATE INDEX history_assignments_partner ON audit.history_assignments (partner_id);
CREATE INDEX history_progress_updates_assignment ON audit.history_progress_updates (assignment_id, happened_on, id);
CREATE INDEX history_evidence_id ON audit.history_evidence (id);
CREATE INDEX history_evidence_assignment ON audit.history_evidence (assignment_id, id);
CREATE INDEX history_evidence_files_evidence ON audit.history_evidence_files (evidence_id);
CREATE INDEX history_evidence_decisions_evidence ON audit.history_evidence_decisions (evidence_id);
-- The seal, as in migration 25, and now also keeping the history of what it seals (the one added
-- call, after each slice's events are written).
CREATE OR REPLACE FUNCTION audit.seal_journalled() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    -- The journal is a queue: between two autovacuums it is mostly rows already sealed and deleted,
    -- and a sequential scan would read every one of them at every seal (at one writer, that made the
    -- seal cost more than the change). Its primary key skips them: entries found dead once are marked
    -- and passed over.
    SET enable_seqscan = off
    AS $$
    DECLARE
        last_seq  bigint;
        last_hash bytea;
        last_at   text;
        stamp     text;
        after_id  bigint := 0;
        sealed    bigint := 0;
        n         integer;
        ids       bigint[];
        prevs     bytea[];
        chains    bytea[];
        contents  bytea[];
        payloads  text[];
        tables    text[];
        ops       text[];
        keys      text[];
        actors    text[];
        requests  text[];
        states    jsonb[];
        fields    jsonb;
        entry     record;
    BEGIN
        -- Nothing waiting: no lock, no write (the common case for a reader, or a writer whose events
        -- another's seal already took).
        -- (A plain index scan, by asking for a column the index lacks: only such a scan marks the
        -- entries of deleted rows dead for the next one; an index-only scan visits their rows each time.)
        PERFORM j.payload FROM audit.journal j ORDER BY j.id LIMIT 1;
        IF NOT FOUND THEN
            PERFORM set_config('audit.sealed', '0', false);
            RETURN NULL;
        END IF;
        -- Only at READ COMMITTED does the statement after the lock see the event of whoever held it
        -- last: an older snapshot would offer a stale last event (refused by PRIMARY KEY(seq), but as
        -- a puzzling duplicate). The service's connections ask for it at start-up.
        IF current_setting('transaction_isolation') <> 'read committed' THEN
            RAISE EXCEPTION 'audit: the chain is sealed at READ COMMITTED, not %', upper(current_setting('transaction_isolation'))
                USING ERRCODE = 'LRA05', HINT = 'Seal in a transaction of its own, at READ COMMITTED.';
        END IF;
        -- The lock first, in a statement of its own: the next statement's snapshot then sees the event
        -- and the journal of whoever held it last. Reading "the latest event" without it would fork the chain.
        PERFORM FROM audit.head h WHERE h.singleton FOR UPDATE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'audit: the chain''s lock row audit.head is missing' USING ERRCODE = 'LRA02';
        END IF;
        SELECT e.seq, e.chain_hash, e.sealed_at INTO last_seq, last_hash, last_at
        FROM audit.events e ORDER BY e.seq DESC LIMIT 1;
        IF NOT FOUND THEN  -- the first event of the register
            last_seq := 0; last_hash := audit.genesis_hash(); last_at := '0000-00-00T00:00:00.000000Z';
        END IF;
        stamp := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');  -- audit.utc_text, inlined
        IF stamp < last_at COLLATE "C" THEN stamp := last_at; END IF;  -- monotone, even if the clock steps back
        -- In slices, so that a large import's events are never all held in memory at once. A journal
        -- row committed meanwhile with a lower id than the last one sealed waits for the next seal.
        -- Each slice is deleted by its exact ids (joined, never `= ANY`, which is a scan of the array
        -- per row): a row committed meanwhile inside the slice's range was not sealed, and stays.
        LOOP
            n := 0;
            ids := '{}'; prevs := '{}'; chains := '{}'; contents := '{}'; payloads := '{}';
            tables := '{}'; ops := '{}'; keys := '{}'; actors := '{}'; requests := '{}'; states := '{}';
            FOR entry IN SELECT j.id, j.payload FROM audit.journal j WHERE j.id > after_id ORDER BY j.id LIMIT 5000 LOOP
                n := n + 1;
                ids[n] := entry.id;
                payloads[n] := entry.payload;
                -- The query columns, from one parse of the payload (an expression used five times in
                -- SQL would be parsed five times).
                fields := entry.payload::jsonb;
                tables[n] := fields ->> 'table';
                ops[n] := fields ->> 'op';
                keys[n] := fields ->> 'key';
                actors[n] := fields ->> 'actor';
                requests[n] := fields ->> 'request_id';
                -- The row as the change left it (JSON null for a deletion); none for a read.
                -- Set for every event, so that the arrays stay aligned (assigning only some elements of
                -- an empty array would start it at the first one assigned, and unnest would pair them wrongly).
                states[n] := CASE WHEN ops[n] <> 'READ' THEN fields -> 'new' END;
                prevs[n] := last_hash;
                contents[n] := sha256('\x00'::bytea || convert_to(entry.payload, 'UTF8'));
                last_seq := last_seq + 1;
                last_hash := sha256('\x02'::bytea || last_hash || int8send(last_seq) || convert_to(stamp, 'UTF8') || contents[n]);
                chains[n] := last_hash;
            END LOOP;
            EXIT WHEN n = 0;
            INSERT INTO audit.events (seq, sealed_at, prev_hash, chain_hash, content_hash, payload,
                                      table_name, operation, row_key, actor, request_id)
            SELECT last_seq - n + x.place, stamp, x.prev, x.chain, x.content, x.payload, x.tbl, x.op, x.key, x.actor, x.request
            FROM unnest(prevs, chains, contents, payloads, tables, ops, keys, actors, requests)
                 WITH ORDINALITY AS x(prev, chain, content, payload, tbl, op, key, actor, request, place)
            ORDER BY x.place;
            PERFORM audit.keep_history(stamp, tables, keys, states);
            DELETE FROM audit.journal j USING unnest(ids) AS taken(id) WHERE j.id = taken.id;
            sealed := sealed + n;
            after_id := ids[n];
        END LOOP;
        PERFORM set_config('audit.sealed', sealed::text, false);
        RETURN NULL;
    END
    $$;

RESET ROLE;
