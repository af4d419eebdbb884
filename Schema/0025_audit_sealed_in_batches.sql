-- The chain sealed in batches, after the change's own commit (BENCHMARKS.md, "Cost of the audit trail
-- on writes"; docs/architecture.md, "Audit trail").
--
-- Until now each event was sealed at its transaction's COMMIT: the deferred trigger took the chain's
-- lock (audit.head FOR UPDATE), read the last event and appended the next. The lock is a row lock, so
-- it was held until the transaction ended, through the WAL flush of its commit: every audited write
-- of the register waited in one line for the previous one's disk flush, and eight writers ran at 38-40 %
-- of unaudited ones. And each event cost a lock, a look-up of the last event and five parses of its
-- payload for the generated columns (0.37 ms an event; an import of 41,000 events spent 16 s on it).
--
-- From here:
--  * A change's events are journalled at COMMIT, in the same order and by the same triggers as before
--    (audit.record_change, audit.seal for staged reads), into `audit.journal`: a logged, append-only
--    table nobody but the audit owner can touch. No lock is taken, so concurrent writers no longer
--    wait on each other, and the journal row is as durable as the change itself (same transaction).
--  * `audit.seal_journal()` moves whatever the journal holds into the chain, in journal order, under
--    the chain's lock, in one short transaction: one look-up of the last event, the hashes computed in
--    a loop, the rows written with one INSERT and the journal rows deleted. Whoever seals takes every
--    event committed so far, so under load one seal serves many writers.
--  * The service seals right after each write transaction commits, on the same connection, before it
--    answers (RegisterStore's `Database.write`), the migrator after migrating, and the server when it
--    starts. So an answered write is in the chain, as before. A seal that cannot run (the process
--    killed between the two) leaves the events in the journal, durable, for the next seal;
--    `audit.current_head().unsealed` counts them.
--  * The seal's own commit does not wait for its WAL flush (synchronous_commit off, set by the caller
--    for that transaction only). If the machine fails before the flush, the seal is undone as a whole
--    and its events are back in the journal, to be sealed again: nothing is lost, and the chain stays
--    whole. Any later commit that does wait for its flush (every register write) flushes the seal first.
--  * The chain, the hashes, the export and offline verification are unchanged. Events sealed together
--    share their seal time (one `clock_timestamp()` per seal, still monotone).
--  * `table_name`, `operation`, `row_key`, `actor` and `request_id` were generated from the payload
--    (five parses of it per event); they become plain columns the seal fills from one parse. Only the
--    seal writes audit.events, so they cannot disagree with the payload.
--  * Audited changes still run at READ COMMITTED (the journal refuses others, as the seal did): the seal
--    needs it to see the last event after its lock, and the rule for writers stays one rule.

SET ROLE register_audit_owner;

ALTER TABLE audit.events
    ALTER COLUMN table_name DROP EXPRESSION,
    ALTER COLUMN operation DROP EXPRESSION,
    ALTER COLUMN row_key DROP EXPRESSION,
    ALTER COLUMN actor DROP EXPRESSION,
    ALTER COLUMN request_id DROP EXPRESSION;

CREATE TABLE audit.journal (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payload text NOT NULL
);
REVOKE ALL ON audit.journal FROM PUBLIC;
-- A queue: rows come and go all day, so it is vacuumed after every thousand, not after a fifth of it.
ALTER TABLE audit.journal SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
                               autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 1000);
COMMENT ON TABLE audit.journal IS 'Events of committed changes waiting for their place in the chain; emptied only by audit.seal_journal().';

-- Append-only, even for the audit owner, except the seal's own DELETE: the seal runs as a trigger
-- (see audit.seal_journal), so its statements run at trigger depth 2, which no setting a user can
-- make imitates (the rule `audit.pending` has had since migration 7).
CREATE FUNCTION audit.refuse_journal_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog
    AS $$
    BEGIN
        IF TG_OP = 'DELETE' AND pg_trigger_depth() >= 2 THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'the audit trail is append-only: % on %.% refused', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = 'LRA02';
    END
    $$;
CREATE TRIGGER seal_only BEFORE UPDATE OR DELETE ON audit.journal FOR EACH ROW EXECUTE FUNCTION audit.refuse_journal_change();
CREATE TRIGGER no_truncate BEFORE TRUNCATE ON audit.journal FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_journal_change();
ALTER TABLE audit.journal ENABLE ALWAYS TRIGGER seal_only, ENABLE ALWAYS TRIGGER no_truncate;

-- Where every event enters the trail: called by audit.record_change (a change, at COMMIT) and by
-- audit.seal (a staged read, at COMMIT), in the transaction's order. It no longer seals: it journals.
CREATE OR REPLACE FUNCTION audit.append_event(payload text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
    BEGIN
        IF current_setting('transaction_isolation') <> 'read committed' THEN
            RAISE EXCEPTION 'audit: an audited change must run at READ COMMITTED, not %', upper(current_setting('transaction_isolation'))
                USING ERRCODE = 'LRA05', HINT = 'Start the transaction with BEGIN ISOLATION LEVEL READ COMMITTED.';
        END IF;
        INSERT INTO audit.journal (payload) VALUES (payload);
    END
    $$;

-- The one place the chain grows. Seals every journalled event it can see, in journal order. It runs
-- as the BEFORE INSERT trigger of `audit.seal_requests` (see audit.seal_journal below), and returns
-- NULL, so the request row is never stored.
--   content_hash = SHA-256(0x00 || payload as UTF-8)
--   chain_hash   = SHA-256(0x02 || prev_hash || seq as 8-byte big-endian || sealed_at as UTF-8 || content_hash)
CREATE FUNCTION audit.seal_journalled() RETURNS trigger
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
            tables := '{}'; ops := '{}'; keys := '{}'; actors := '{}'; requests := '{}';
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
            DELETE FROM audit.journal j USING unnest(ids) AS taken(id) WHERE j.id = taken.id;
            sealed := sealed + n;
            after_id := ids[n];
        END LOOP;
        PERFORM set_config('audit.sealed', sealed::text, false);
        RETURN NULL;
    END
    $$;

CREATE UNLOGGED TABLE audit.seal_requests (asked boolean NOT NULL);
REVOKE ALL ON audit.seal_requests FROM PUBLIC;
CREATE TRIGGER seal BEFORE INSERT ON audit.seal_requests FOR EACH ROW EXECUTE FUNCTION audit.seal_journalled();
ALTER TABLE audit.seal_requests ENABLE ALWAYS TRIGGER seal;

-- What the service calls: seals what the journal holds and returns how many events it sealed.
CREATE FUNCTION audit.seal_journal() RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
    BEGIN
        INSERT INTO audit.seal_requests (asked) VALUES (true);
        RETURN current_setting('audit.sealed')::bigint;
    END
    $$;

-- `unsealed`: events of committed changes not yet in the chain (journalled, or reads still staged).
-- A hot standby cannot read the unlogged `pending`: there only the journal is counted.
CREATE OR REPLACE FUNCTION audit.current_head() RETURNS TABLE (seq bigint, chain_hash bytea, sealed_at text, unsealed bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
    DECLARE
        staged bigint := 0;
    BEGIN
        IF NOT pg_is_in_recovery() THEN
            SELECT count(*) INTO staged FROM audit.pending;
        END IF;
        staged := staged + (SELECT count(*) FROM audit.journal);
        RETURN QUERY
            SELECT coalesce(last.seq, 0), coalesce(last.chain_hash, audit.genesis_hash()),
                   coalesce(last.sealed_at, '0000-00-00T00:00:00.000000Z'), staged
            FROM (SELECT 1) one
            LEFT JOIN LATERAL (SELECT e.seq, e.chain_hash, e.sealed_at FROM audit.events e ORDER BY e.seq DESC LIMIT 1) last ON true;
    END
    $$;

REVOKE ALL ON FUNCTION audit.seal_journal(), audit.seal_journalled(), audit.refuse_journal_change() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit.seal_journal() TO register_app;

RESET ROLE;
