-- Cheaper audited writes (BENCHMARKS.md, "Cost of the audit trail on writes").
--
-- The same events, with the same payload text and the same hashes (DESIGN.md, "Audit trail"), under
-- the same protections as 0002: what changes is the work each audited transaction does to get there.
-- Measured on single-row update transactions, the seal was two thirds of the audit's cost: it
-- re-planned its queries at every commit, ran a SQL function (parsed and planned anew in each
-- transaction) for every time stamp, and issued seven statements for one event.

SET ROLE register_audit_owner;

-- 1. Staged events never outlive their transaction (its seal removes them before it commits), so
--    they need no WAL: UNLOGGED, with their identity sequence. After a crash the table is empty,
--    as it always is between transactions.
ALTER TABLE audit.pending SET UNLOGGED;

-- A hot standby cannot read an unlogged table (and runs no write transaction that could leave a
-- staged event), so there the count is 0 instead of an error: the chain can be checked on a replica.
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
        RETURN QUERY SELECT h.seq, h.chain_hash, h.sealed_at, staged FROM audit.head h;
    END
    $$;

-- 2. One random-keyed index fewer to write for every event. UNIQUE(chain_hash) adds nothing to the
--    chain's integrity: each event's chain_hash is the next event's prev_hash, which is UNIQUE (with
--    PRIMARY KEY(seq) that is what makes a fork impossible to store), and the last one is the
--    head's. Nothing looks an event up by its chain_hash (checkpoints are matched on seq).
ALTER TABLE audit.events DROP CONSTRAINT events_chain_hash_key;

-- 3. The row trigger: the same payload, without a query to join the key columns or a SQL function
--    call for the time stamp (both were parsed and planned again in every transaction).
CREATE OR REPLACE FUNCTION audit.record_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan
    AS $$
    DECLARE
        actor     text := current_setting('app.actor', true);
        request   text := current_setting('app.request_id', true);
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
        -- The trigger's arguments name the key columns (a join table's key has two), joined by '/'
        -- as string_agg joined them in 0002 (a null part is left out).
        key_value := coalesce(new_row, old_row) ->> TG_ARGV[0];
        FOR i IN 1 .. TG_NARGS - 1 LOOP
            key_part := coalesce(new_row, old_row) ->> TG_ARGV[i];
            key_value := CASE WHEN key_part IS NULL THEN key_value WHEN key_value IS NULL THEN key_part ELSE key_value || '/' || key_part END;
        END LOOP;
        INSERT INTO audit.pending (payload) VALUES (jsonb_build_object(
            'table', TG_TABLE_NAME,
            'op', TG_OP,
            'key', key_value,
            'old', old_row,
            'new', new_row,
            'actor', actor,
            'request_id', request,
            'db_user', session_user,
            'at', to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text);  -- audit.utc_text, inlined
        RETURN NULL;
    END
    $$;

-- 4. The seal, at COMMIT: the same chain, in three statements however many events the transaction
--    has (take them; take the head; write them and move the head).
--      content_hash = SHA-256(0x00 || payload as UTF-8)
--      chain_hash   = SHA-256(0x02 || prev_hash || seq as 8-byte big-endian || sealed_at as UTF-8 || content_hash)
--    Its plans are made once per session and go through the primary keys: a plan chosen afresh at
--    each commit cost more than the rest of the seal, and a sequential scan of `pending` at each of
--    a large transaction's firings would make it quadratic. No JIT: planned while a large
--    transaction's rows fill `pending`, the first statement looks expensive enough to be compiled,
--    and that compilation would be repeated at every one of the transaction's firings.
CREATE OR REPLACE FUNCTION audit.seal() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan
    SET enable_seqscan = off
    SET enable_bitmapscan = off
    SET jit = off
    AS $$
    DECLARE
        payloads  text[];
        payload   text;
        head_seq  bigint;
        head_hash bytea;
        head_at   text;
        n         integer := 0;
        stamp     text;
        content   bytea;
        seqs      bigint[];
        stamps    text[];
        prevs     bytea[];
        chains    bytea[];
        contents  bytea[];
    BEGIN
        -- The trigger fires once per pending row, in the order the rows were written, so the first
        -- firing has the transaction's lowest id: it takes all of the transaction's rows (the only
        -- ones it can see). Later firings find their own row gone; that check, one primary-key
        -- lookup made before the scan, keeps a large transaction linear.
        WITH taken AS (
            DELETE FROM audit.pending p
            WHERE p.id >= NEW.id AND EXISTS (SELECT 1 FROM audit.pending q WHERE q.id = NEW.id)
            RETURNING p.id, p.payload)
        SELECT array_agg(t.payload ORDER BY t.id) INTO payloads FROM taken t;
        IF payloads IS NULL THEN RETURN NULL; END IF;
        -- Reading the head without this lock would let two commits take the same place: a fork.
        SELECT h.seq, h.chain_hash, h.sealed_at INTO head_seq, head_hash, head_at FROM audit.head h WHERE h.singleton FOR UPDATE;
        FOREACH payload IN ARRAY payloads LOOP
            n := n + 1;
            stamp := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');  -- audit.utc_text, inlined
            IF stamp < head_at COLLATE "C" THEN stamp := head_at; END IF;  -- monotone, even if the clock steps back
            content := sha256('\x00'::bytea || convert_to(payload, 'UTF8'));
            seqs[n] := head_seq + n;
            stamps[n] := stamp;
            prevs[n] := head_hash;
            contents[n] := content;
            head_hash := sha256('\x02'::bytea || head_hash || int8send(head_seq + n) || convert_to(stamp, 'UTF8') || content);
            chains[n] := head_hash;
            head_at := stamp;
        END LOOP;
        WITH written AS (
            INSERT INTO audit.events (seq, sealed_at, prev_hash, chain_hash, content_hash, payload)
            SELECT * FROM unnest(seqs, stamps, prevs, chains, contents, payloads))
        UPDATE audit.head h SET seq = head_seq + n, chain_hash = head_hash, sealed_at = head_at WHERE h.singleton;
        RETURN NULL;
    END
    $$;

RESET ROLE;
