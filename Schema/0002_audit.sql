-- Tamper-evident audit trail (DESIGN.md, "Audit trail").
--
-- Every insert, update and delete on a table of schema "register" writes one event, built by the
-- database itself, so no code path can forget it. Events are sealed into a SHA-256 hash chain when
-- the transaction commits. The schema belongs to register_audit_owner (no login); the service's
-- role has no privilege on it and reaches it only through the SECURITY DEFINER functions below.
--
-- Requires: GRANT register_audit_owner TO register_owner (scripts/postgres and Docker/initdb do it),
-- so that the migration can create the audit objects as their owner.

CREATE SCHEMA audit AUTHORIZATION register_audit_owner;
REVOKE ALL ON SCHEMA audit FROM PUBLIC;

SET ROLE register_audit_owner;

-- Events of transactions not yet committed. Emptied by the seal at every commit.
CREATE TABLE audit.pending (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payload text NOT NULL
);

-- Sealed events. `payload` is the exact text that is hashed; the query columns are generated from
-- it, so they cannot drift from what the chain protects.
CREATE TABLE audit.events (
    seq          bigint PRIMARY KEY CHECK (seq > 0),
    sealed_at    text NOT NULL CHECK (sealed_at ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$'),
    prev_hash    bytea NOT NULL UNIQUE CHECK (length(prev_hash) = 32),
    chain_hash   bytea NOT NULL UNIQUE CHECK (length(chain_hash) = 32),
    content_hash bytea NOT NULL CHECK (length(content_hash) = 32),
    payload      text NOT NULL,
    table_name   text GENERATED ALWAYS AS (payload::jsonb ->> 'table') STORED,
    operation    text GENERATED ALWAYS AS (payload::jsonb ->> 'op') STORED,
    row_key      text GENERATED ALWAYS AS (payload::jsonb ->> 'key') STORED,
    actor        text GENERATED ALWAYS AS (payload::jsonb ->> 'actor') STORED,
    request_id   text GENERATED ALWAYS AS (payload::jsonb ->> 'request_id') STORED
);
CREATE INDEX events_row ON audit.events (table_name, row_key, seq);
CREATE INDEX events_actor ON audit.events (actor, seq);
CREATE INDEX events_sealed_at ON audit.events (sealed_at);

-- The chain's head: one row, locked FOR UPDATE by each seal, which is what keeps the chain a line.
CREATE TABLE audit.head (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    seq        bigint NOT NULL,
    chain_hash bytea NOT NULL,
    sealed_at  text NOT NULL
);
INSERT INTO audit.head (seq, chain_hash, sealed_at)
VALUES (0, sha256(convert_to('learning-register/audit/v1/genesis', 'UTF8')), '0000-00-00T00:00:00.000000Z');

-- Signed checkpoints: (seq, chain_hash, merkle_root), signed outside the database with Ed25519.
CREATE TABLE audit.checkpoints (
    seq         bigint PRIMARY KEY REFERENCES audit.events (seq),
    chain_hash  bytea NOT NULL CHECK (length(chain_hash) = 32),
    merkle_root bytea NOT NULL CHECK (length(merkle_root) = 32),
    created_at  text NOT NULL,
    public_key  bytea CHECK (length(public_key) = 32),
    signature   bytea CHECK (length(signature) = 64),
    CHECK ((public_key IS NULL) = (signature IS NULL))
);

CREATE FUNCTION audit.utc_text(t timestamptz) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog
    AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;

-- The row trigger: one event per changed row. Fails closed without app.actor and app.request_id.
CREATE FUNCTION audit.record_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
    DECLARE
        actor     text := current_setting('app.actor', true);
        request   text := current_setting('app.request_id', true);
        old_row   jsonb;
        new_row   jsonb;
        key_value text;
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
        -- The trigger's arguments name the key columns (a join table's key has two).
        SELECT string_agg(coalesce(new_row, old_row) ->> k, '/' ORDER BY ord) INTO key_value
        FROM unnest(TG_ARGV) WITH ORDINALITY AS a(k, ord);
        INSERT INTO audit.pending (payload) VALUES (jsonb_build_object(
            'table', TG_TABLE_NAME,
            'op', TG_OP,
            'key', key_value,
            'old', old_row,
            'new', new_row,
            'actor', actor,
            'request_id', request,
            'db_user', session_user,
            'at', audit.utc_text(statement_timestamp()))::text);
        RETURN NULL;
    END
    $$;

-- Reads worth knowing about (an evidence file opened, an export taken) are events too.
CREATE FUNCTION audit.record_read(what text, key_value text, detail jsonb DEFAULT NULL) RETURNS void
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
            'at', audit.utc_text(statement_timestamp()))::text);
    END
    $$;

-- The seal, at COMMIT: numbers this transaction's events and links each into the chain.
--   content_hash = SHA-256(0x00 || payload as UTF-8)
--   chain_hash   = SHA-256(0x02 || prev_hash || seq as 8-byte big-endian || sealed_at as UTF-8 || content_hash)
CREATE FUNCTION audit.seal() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
    DECLARE
        h       record;
        ev      record;
        stamp   text;
        content bytea;
        chain   bytea;
    BEGIN
        -- The trigger fires once per pending row; the first firing seals them all, so later firings
        -- find their row gone (a primary-key lookup: a large transaction stays linear).
        IF NOT EXISTS (SELECT 1 FROM audit.pending p WHERE p.id = NEW.id) THEN RETURN NULL; END IF;
        -- Reading the head without this lock would let two commits take the same place: a fork.
        SELECT seq, chain_hash, sealed_at INTO h FROM audit.head FOR UPDATE;
        FOR ev IN SELECT id, payload FROM audit.pending ORDER BY id LOOP
            stamp := audit.utc_text(clock_timestamp());
            IF stamp < h.sealed_at THEN stamp := h.sealed_at; END IF;  -- monotone, even if the clock steps back
            content := sha256('\x00'::bytea || convert_to(ev.payload, 'UTF8'));
            chain := sha256('\x02'::bytea || h.chain_hash || int8send(h.seq + 1) || convert_to(stamp, 'UTF8') || content);
            INSERT INTO audit.events (seq, sealed_at, prev_hash, chain_hash, content_hash, payload)
            VALUES (h.seq + 1, stamp, h.chain_hash, chain, content, ev.payload);
            h.seq := h.seq + 1;
            h.chain_hash := chain;
            h.sealed_at := stamp;
        END LOOP;
        DELETE FROM audit.pending;
        UPDATE audit.head SET seq = h.seq, chain_hash = h.chain_hash, sealed_at = h.sealed_at;
        RETURN NULL;
    END
    $$;

CREATE CONSTRAINT TRIGGER seal_at_commit AFTER INSERT ON audit.pending
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit.seal();

-- Append-only, even for the audit owner: events and checkpoints never change; pending rows and
-- the head change only inside the seal.
CREATE FUNCTION audit.refuse_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog
    AS $$
    BEGIN
        -- Only the seal, itself running as a trigger, may empty `pending` and move `head`: its
        -- statements run at trigger depth 2, which no setting a user can make imitates.
        IF TG_TABLE_NAME IN ('pending', 'head') AND TG_OP IN ('DELETE', 'UPDATE') AND pg_trigger_depth() >= 2 THEN
            RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        END IF;
        RAISE EXCEPTION 'the audit trail is append-only: % on %.% refused', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = 'LRA02';
    END
    $$;

CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON audit.events FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON audit.checkpoints FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER seal_only BEFORE UPDATE OR DELETE ON audit.pending FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER seal_only BEFORE UPDATE OR DELETE ON audit.head FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER no_truncate BEFORE TRUNCATE ON audit.events FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER no_truncate BEFORE TRUNCATE ON audit.checkpoints FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER no_truncate BEFORE TRUNCATE ON audit.pending FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER no_truncate BEFORE TRUNCATE ON audit.head FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
-- ENABLE ALWAYS: the triggers fire even under session_replication_role = replica.
ALTER TABLE audit.events ENABLE ALWAYS TRIGGER append_only, ENABLE ALWAYS TRIGGER no_truncate;
ALTER TABLE audit.checkpoints ENABLE ALWAYS TRIGGER append_only, ENABLE ALWAYS TRIGGER no_truncate;
ALTER TABLE audit.pending ENABLE ALWAYS TRIGGER seal_only, ENABLE ALWAYS TRIGGER no_truncate, ENABLE ALWAYS TRIGGER seal_at_commit;
ALTER TABLE audit.head ENABLE ALWAYS TRIGGER seal_only, ENABLE ALWAYS TRIGGER no_truncate;

-- What the service may ask of the trail, without any privilege on its tables.

-- Events in seq order, filtered; `after` is the cursor.
CREATE FUNCTION audit.find_events(
    p_table text, p_key text, p_actor text, p_from text, p_to text, p_after bigint, p_limit integer
) RETURNS TABLE (seq bigint, sealed_at text, prev_hash bytea, chain_hash bytea, payload text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
        SELECT e.seq, e.sealed_at, e.prev_hash, e.chain_hash, e.payload
        FROM audit.events e
        WHERE (p_table IS NULL OR e.table_name = p_table)
          AND (p_key IS NULL OR e.row_key = p_key)
          AND (p_actor IS NULL OR e.actor = p_actor)
          AND (p_from IS NULL OR e.sealed_at >= p_from)
          AND (p_to IS NULL OR e.sealed_at < p_to)
          AND e.seq > coalesce(p_after, 0)
        ORDER BY e.seq
        LIMIT p_limit
    $$;

-- Each row of a table as it stood at a moment: the `new` side of its last event sealed before it.
CREATE FUNCTION audit.rows_as_at(p_table text, p_at text) RETURNS SETOF jsonb
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
        SELECT latest.state FROM (
            SELECT DISTINCT ON (e.row_key) e.payload::jsonb -> 'new' AS state
            FROM audit.events e
            WHERE e.table_name = p_table AND e.operation <> 'READ' AND e.sealed_at < p_at
            ORDER BY e.row_key, e.seq DESC
        ) latest
        WHERE latest.state IS NOT NULL AND latest.state <> 'null'::jsonb
    $$;

CREATE FUNCTION audit.row_as_at(p_table text, p_key text, p_at text) RETURNS jsonb
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
        SELECT nullif(e.payload::jsonb -> 'new', 'null'::jsonb)
        FROM audit.events e
        WHERE e.table_name = p_table AND e.row_key = p_key AND e.operation <> 'READ' AND e.sealed_at < p_at
        ORDER BY e.seq DESC
        LIMIT 1
    $$;

-- `unsealed`: committed events left in `pending` (each commit's seal empties it; anything here is a fault).
CREATE FUNCTION audit.current_head() RETURNS TABLE (seq bigint, chain_hash bytea, sealed_at text, unsealed bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT h.seq, h.chain_hash, h.sealed_at, (SELECT count(*) FROM audit.pending) FROM audit.head h $$;

CREATE FUNCTION audit.add_checkpoint(
    p_seq bigint, p_chain_hash bytea, p_merkle_root bytea, p_created_at text, p_public_key bytea, p_signature bytea
) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM audit.events e WHERE e.seq = p_seq AND e.chain_hash = p_chain_hash) THEN
            RAISE EXCEPTION 'checkpoint does not match the chain at seq %', p_seq USING ERRCODE = 'LRA03';
        END IF;
        IF EXISTS (SELECT 1 FROM audit.checkpoints c WHERE c.seq = p_seq) THEN
            -- The same head checkpointed again: keep the first, but never let a different one pass silently.
            IF NOT EXISTS (SELECT 1 FROM audit.checkpoints c WHERE c.seq = p_seq AND c.merkle_root = p_merkle_root) THEN
                RAISE EXCEPTION 'a different checkpoint is already recorded at seq %', p_seq USING ERRCODE = 'LRA03';
            END IF;
            RETURN;
        END IF;
        INSERT INTO audit.checkpoints (seq, chain_hash, merkle_root, created_at, public_key, signature)
        VALUES (p_seq, p_chain_hash, p_merkle_root, p_created_at, p_public_key, p_signature);
    END
    $$;

CREATE FUNCTION audit.list_checkpoints(p_after bigint, p_limit integer)
    RETURNS TABLE (seq bigint, chain_hash bytea, merkle_root bytea, created_at text, public_key bytea, signature bytea)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
        SELECT c.seq, c.chain_hash, c.merkle_root, c.created_at, c.public_key, c.signature
        FROM audit.checkpoints c WHERE c.seq > coalesce(p_after, 0) ORDER BY c.seq LIMIT p_limit
    $$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA audit FROM PUBLIC;
GRANT USAGE ON SCHEMA audit TO register_app, register_auditor;
-- The service may record reads and checkpoints; the auditor role only reads.
GRANT EXECUTE ON FUNCTION audit.record_read(text, text, jsonb), audit.add_checkpoint(bigint, bytea, bytea, text, bytea, bytea)
    TO register_app;
GRANT EXECUTE ON FUNCTION audit.find_events(text, text, text, text, text, bigint, integer), audit.rows_as_at(text, text),
    audit.row_as_at(text, text, text), audit.current_head(), audit.list_checkpoints(bigint, integer), audit.utc_text(timestamptz)
    TO register_app, register_auditor;
-- The auditor may read the trail directly (exports from a replica, ad-hoc questions).
GRANT SELECT ON audit.events, audit.checkpoints, audit.head TO register_auditor;
-- Trigger functions need EXECUTE only by whoever creates triggers with them: the migration owner.
GRANT EXECUTE ON FUNCTION audit.record_change(), audit.refuse_change() TO register_owner;

RESET ROLE;

-- Tables as they stood at a moment (`p_at`, UTC text as in sealed_at), or as they are now when
-- `p_at` is null: one query serves both the live register and its past. Inlined by the planner.
CREATE FUNCTION register.reviews_at(p_at text) RETURNS SETOF register.reviews
    LANGUAGE sql STABLE
    AS $$
        SELECT * FROM register.reviews WHERE p_at IS NULL
        UNION ALL
        SELECT (jsonb_populate_record(NULL::register.reviews, j || jsonb_build_object('search', register.review_search(
                    j ->> 'reference', j ->> 'title', j ->> 'subjects', j ->> 'lead_reviewer', j ->> 'summary')))).*
        FROM audit.rows_as_at('reviews', p_at) j WHERE p_at IS NOT NULL
    $$;
CREATE FUNCTION register.recommendations_at(p_at text) RETURNS SETOF register.recommendations
    LANGUAGE sql STABLE
    AS $$
        SELECT * FROM register.recommendations WHERE p_at IS NULL
        UNION ALL
        SELECT (jsonb_populate_record(NULL::register.recommendations, j || jsonb_build_object('search', register.recommendation_search(
                    j ->> 'number', j ->> 'text', j ->> 'addressee')))).*
        FROM audit.rows_as_at('recommendations', p_at) j WHERE p_at IS NOT NULL
    $$;
CREATE FUNCTION register.recommendation_findings_at(p_at text) RETURNS SETOF register.recommendation_findings
    LANGUAGE sql STABLE
    AS $$
        SELECT * FROM register.recommendation_findings WHERE p_at IS NULL
        UNION ALL
        SELECT (jsonb_populate_record(NULL::register.recommendation_findings, j)).* FROM audit.rows_as_at('recommendation_findings', p_at) j WHERE p_at IS NOT NULL
    $$;
CREATE FUNCTION register.findings_at(p_at text) RETURNS SETOF register.findings
    LANGUAGE sql STABLE
    AS $$
        SELECT * FROM register.findings WHERE p_at IS NULL
        UNION ALL
        SELECT (jsonb_populate_record(NULL::register.findings, j)).* FROM audit.rows_as_at('findings', p_at) j WHERE p_at IS NOT NULL
    $$;

-- Attaching the trail to a table: every later migration that adds a table to schema "register"
-- calls this (a test lists the catalogue and fails on any table without it).
CREATE FUNCTION register.attach_audit(target regclass) RETURNS void
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
        EXECUTE format('CREATE TRIGGER audit_changes AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION audit.record_change(%s)', target, key_args);
        EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER audit_changes', target);
        EXECUTE format('CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change()', target);
        EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER audit_no_truncate', target);
    END
    $$;
REVOKE ALL ON FUNCTION register.attach_audit(regclass) FROM PUBLIC;

SELECT register.attach_audit(format('register.%I', c.relname)::regclass)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'register' AND c.relkind = 'r'
ORDER BY c.relname;
