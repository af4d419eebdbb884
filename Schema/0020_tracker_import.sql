-- Importing trackers from spreadsheets (issue 14).
--
-- * An assignment can be "closed without evidence": a tracker recorded the work complete, and the
--   register has no evidence it checked. It is done with (never overdue), and never counts as
--   accepted or towards assurance (register.assurance_met asks for accepted evidence, which such an
--   assignment does not have). Evidence may still follow, through the usual submission.
-- * The audit trail says where a change came from: a transaction may set `app.context` (an import
--   sets "import of tracker.xlsx sha256=… sheet Actions row 14" before each row's writes), and each
--   event then carries it as `context`. Events recorded without it have the same payload as before,
--   and sealed events are never touched, so every existing hash stays as it was (as in migration 11).
-- * register.imports: one row per import run, insert-only and audited like every register table.
-- * staging.pending_imports: a file uploaded on the import page, kept between the page's steps
--   (mapping, dry run, import) for its uploader only, for a day at most. Not register data: nothing
--   in it is audited; the import itself is.

ALTER TABLE register.assignments DROP CONSTRAINT assignments_status_check;
ALTER TABLE register.assignments ADD CONSTRAINT assignments_status_check
    CHECK (status IN ('assigned', 'in_progress', 'evidence_submitted', 'returned', 'accepted', 'closed_without_evidence'));

-- "Overdue" stays defined once (migration 9): closed without evidence is done with, like accepted.
CREATE OR REPLACE FUNCTION register.assignment_overdue(p_status text, p_due_date date, p_on date) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT p_status NOT IN ('accepted', 'closed_without_evidence') AND p_due_date < p_on $$;

CREATE TABLE register.imports (
    id          uuid PRIMARY KEY,
    file_name   text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    sheet       text NOT NULL CHECK (length(sheet) BETWEEN 1 AND 255),
    rows        integer NOT NULL CHECK (rows >= 0),
    created     integer NOT NULL CHECK (created >= 0),
    updated     integer NOT NULL CHECK (updated >= 0),
    unchanged   integer NOT NULL CHECK (unchanged >= 0),
    actor       text NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (created + updated + unchanged <= rows)
);
CREATE INDEX imports_sha256 ON register.imports (sha256);

REVOKE UPDATE, DELETE, TRUNCATE ON register.imports FROM register_app;
CREATE TRIGGER insert_only BEFORE UPDATE OR DELETE ON register.imports
    FOR EACH ROW EXECUTE FUNCTION register.refuse_rewrite('imports');
ALTER TABLE register.imports ENABLE ALWAYS TRIGGER insert_only;
SELECT register.attach_audit('register.imports');

CREATE SCHEMA staging;
GRANT USAGE ON SCHEMA staging TO register_app;
CREATE TABLE staging.pending_imports (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES register.users (id) ON DELETE CASCADE,
    file_name   text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    bytes       bytea NOT NULL CHECK (length(bytes) BETWEEN 1 AND 20971520),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pending_imports_age ON staging.pending_imports (created_at);
GRANT SELECT, INSERT, DELETE ON staging.pending_imports TO register_app;

-- The two functions that build events (as in migration 11), now adding the transaction's context
-- when there is one. Nothing else in them changes.
SET ROLE register_audit_owner;

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
