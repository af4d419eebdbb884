-- Each change sealed by its own deferred trigger (BENCHMARKS.md, "Cost of the audit trail on writes").
--
-- Until now a change went through two triggers: an immediate one that built the event and staged it in
-- `audit.pending`, and a deferred one on `pending` that, at COMMIT, took the staged rows back out and
-- sealed them. Staging each event in a table and taking it back was half of what auditing a change cost.
-- From here the row trigger on each register table is itself the deferred constraint trigger: at COMMIT
-- PostgreSQL hands it the row as it was before and after each change (in the order the changes were
-- made), and it builds the event and seals it straight into the chain. The chain, the hashes and the
-- export are unchanged (DESIGN.md, "Audit trail"); verification of events sealed before and after this
-- migration is one and the same.
--
-- What else changes, and why:
--  * The event's "at" is the time its transaction started (PostgreSQL's now(), the same time the
--    register's own updated_at columns take), where it was the time of the statement. The trigger now
--    runs at COMMIT, when the statement's time is gone; a transaction is one change of the register,
--    and its events now share one time.
--  * The actor and request id are read at COMMIT too. A write without them is still refused at the
--    statement, by a BEFORE trigger whose WHEN condition costs no function call when both are set,
--    and again at COMMIT if they were cleared since.
--  * `audit.head` is now the lock alone: the chain's head is its last event (read after taking the
--    lock, through the primary key). A head row rewritten by every sealed event would grow a chain of
--    row versions through a large transaction and make its seal quadratic.
--  * A table's pending audit events now wait until COMMIT, and PostgreSQL will not ALTER, index, cluster
--    or drop a table with trigger events pending (nor run attach_audit on it): a later migration that
--    changes a register table's rows and then does one of those to that table must do it first, or say
--    `SET CONSTRAINTS register.audit_changes IMMEDIATE` before the changes.
--  * Audited changes must run at READ COMMITTED (DESIGN.md says so; now the seal checks it).
--  * Reads (audit.record_read) are still staged in `pending`, so that a download never holds the
--    chain's lock while its bytes stream; each staged read is now sealed at its own place in the
--    transaction's order, by the same function that seals changes.

SET ROLE register_audit_owner;

CREATE FUNCTION audit.genesis_hash() RETURNS bytea
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog
    AS $$ SELECT sha256(convert_to('learning-register/audit/v1/genesis', 'UTF8')) $$;

-- The one place the chain grows. Called only by the two sealing triggers below (no role but the audit
-- owner may execute it).
--   content_hash = SHA-256(0x00 || payload as UTF-8)
--   chain_hash   = SHA-256(0x02 || prev_hash || seq as 8-byte big-endian || sealed_at as UTF-8 || content_hash)
CREATE FUNCTION audit.append_event(payload text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
    DECLARE
        last_seq  bigint;
        last_hash bytea;
        last_at   text;
        stamp     text;
        content   bytea;
    BEGIN
        -- Only at READ COMMITTED does the statement after the lock see the event of whoever held it
        -- last: an older snapshot would offer a stale last event (refused by PRIMARY KEY(seq), but as
        -- a puzzling duplicate). The service's connections ask for it at start-up.
        IF current_setting('transaction_isolation') <> 'read committed' THEN
            RAISE EXCEPTION 'audit: an audited change must run at READ COMMITTED, not %', upper(current_setting('transaction_isolation'))
                USING ERRCODE = 'LRA05', HINT = 'Start the transaction with BEGIN ISOLATION LEVEL READ COMMITTED.';
        END IF;
        -- The lock first, in a statement of its own: the next statement's snapshot then sees the event
        -- of whoever held it last. Reading "the latest event" without it would fork the chain.
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
        content := sha256('\x00'::bytea || convert_to(payload, 'UTF8'));
        INSERT INTO audit.events (seq, sealed_at, prev_hash, chain_hash, content_hash, payload)
        VALUES (last_seq + 1, stamp, last_hash,
                sha256('\x02'::bytea || last_hash || int8send(last_seq + 1) || convert_to(stamp, 'UTF8') || content),
                content, payload);
    END
    $$;

-- The row trigger, now fired at COMMIT (a deferred constraint trigger, see register.attach_audit).
CREATE OR REPLACE FUNCTION audit.record_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
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
        -- The trigger's arguments name the key columns (a join table's key has two), joined by '/'.
        key_value := coalesce(new_row, old_row) ->> TG_ARGV[0];
        FOR i IN 1 .. TG_NARGS - 1 LOOP
            key_part := coalesce(new_row, old_row) ->> TG_ARGV[i];
            key_value := CASE WHEN key_part IS NULL THEN key_value WHEN key_value IS NULL THEN key_part ELSE key_value || '/' || key_part END;
        END LOOP;
        PERFORM audit.append_event(jsonb_build_object(
            'table', TG_TABLE_NAME,
            'op', TG_OP,
            'key', key_value,
            'old', old_row,
            'new', new_row,
            'actor', actor,
            'request_id', request,
            'db_user', session_user,
            'at', to_char(transaction_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text);
        RETURN NULL;
    END
    $$;

-- Refuses, at the statement, a change whose transaction has not said who makes it. Fired only when
-- the trigger's WHEN condition finds app.actor or app.request_id unset.
CREATE FUNCTION audit.refuse_unattributed() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog
    AS $$
    BEGIN
        RAISE EXCEPTION 'audit: % on register.% refused: the transaction did not set app.actor and app.request_id',
            TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'LRA01', HINT = 'Write through the register''s transaction helper, which sets both.';
    END
    $$;

-- Reads: staged, then sealed at COMMIT in their place among the transaction's changes.
CREATE OR REPLACE FUNCTION audit.record_read(what text, key_value text, detail jsonb DEFAULT NULL) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
    DECLARE
        actor   text := current_setting('app.actor', true);
        request text := current_setting('app.request_id', true);
    BEGIN
        IF coalesce(actor, '') = '' OR coalesce(request, '') = '' THEN
            RAISE EXCEPTION 'audit: recording a read needs app.actor and app.request_id' USING ERRCODE = 'LRA01';
        END IF;
        -- Reads live in their own namespace, so they can never pass for a change to a register table.
        INSERT INTO audit.pending (payload) VALUES (jsonb_build_object(
            'table', 'read:' || what, 'op', 'READ', 'key', key_value, 'old', NULL, 'new', detail,
            'actor', actor, 'request_id', request, 'db_user', session_user,
            'at', to_char(transaction_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text);
    END
    $$;

CREATE OR REPLACE FUNCTION audit.seal() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
    DECLARE
        staged text;
    BEGIN
        DELETE FROM audit.pending p WHERE p.id = NEW.id RETURNING p.payload INTO staged;
        IF FOUND THEN
            PERFORM audit.append_event(staged);
        END IF;
        RETURN NULL;
    END
    $$;

-- The head is the last event (or the genesis when there is none). A hot standby cannot read the
-- unlogged `pending` (and runs no write that could leave a staged event): there the count is 0.
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
        RETURN QUERY
            SELECT coalesce(last.seq, 0), coalesce(last.chain_hash, audit.genesis_hash()),
                   coalesce(last.sealed_at, '0000-00-00T00:00:00.000000Z'), staged
            FROM (SELECT 1) one
            LEFT JOIN LATERAL (SELECT e.seq, e.chain_hash, e.sealed_at FROM audit.events e ORDER BY e.seq DESC LIMIT 1) last ON true;
    END
    $$;

-- The head row is only locked now, never changed; staged reads are deleted only by the seal.
CREATE OR REPLACE FUNCTION audit.refuse_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog
    AS $$
    BEGIN
        -- Only the seal, itself running as a trigger, may take staged reads out of `pending`: its
        -- statements run at trigger depth 2, which no setting a user can make imitates.
        IF TG_TABLE_NAME = 'pending' AND TG_OP = 'DELETE' AND pg_trigger_depth() >= 2 THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'the audit trail is append-only: % on %.% refused', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = 'LRA02';
    END
    $$;

ALTER TABLE audit.head DROP COLUMN seq, DROP COLUMN chain_hash, DROP COLUMN sealed_at;
COMMENT ON TABLE audit.head IS 'The chain''s lock: one row, locked FOR UPDATE by every seal until its transaction ends. The head itself is the last event.';

REVOKE ALL ON FUNCTION audit.genesis_hash(), audit.append_event(text), audit.refuse_unattributed() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit.refuse_unattributed() TO register_owner;

RESET ROLE;

-- Attaching the trail to a table: every migration that adds a table to schema "register" calls this
-- (a test lists the catalogue and fails on any table without it).
CREATE OR REPLACE FUNCTION register.attach_audit(target regclass) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog
    AS $$
    DECLARE
        key_args text;
    BEGIN
        SELECT string_agg(quote_literal(a.attname), ', ' ORDER BY k.ord) INTO key_args
        FROM pg_index i
        CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
        WHERE i.indrelid = target AND i.indisprimary;
        IF key_args IS NULL THEN
            RAISE EXCEPTION 'table % has no primary key to name its events by', target;
        END IF;
        EXECUTE format('CREATE TRIGGER audit_attributed BEFORE INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW '
                       'WHEN (coalesce(current_setting(''app.actor'', true), '''') = '''' OR coalesce(current_setting(''app.request_id'', true), '''') = '''') '
                       'EXECUTE FUNCTION audit.refuse_unattributed()', target);
        EXECUTE format('CREATE CONSTRAINT TRIGGER audit_changes AFTER INSERT OR UPDATE OR DELETE ON %s '
                       'DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit.record_change(%s)', target, key_args);
        EXECUTE format('CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change()', target);
        EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER audit_attributed, ENABLE ALWAYS TRIGGER audit_changes, '
                       'ENABLE ALWAYS TRIGGER audit_no_truncate', target);
    END
    $$;
REVOKE ALL ON FUNCTION register.attach_audit(regclass) FROM PUBLIC;

-- Every table attached so far, attached again the new way.
DO $$
DECLARE
    t regclass;
BEGIN
    FOR t IN
        SELECT DISTINCT tr.tgrelid::regclass FROM pg_trigger tr
        JOIN pg_class c ON c.oid = tr.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'register' AND tr.tgname = 'audit_changes'
    LOOP
        EXECUTE format('DROP TRIGGER audit_changes ON %s', t);
        EXECUTE format('DROP TRIGGER audit_no_truncate ON %s', t);
        PERFORM register.attach_audit(t);
    END LOOP;
END
$$;
