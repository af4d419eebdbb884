-- Sign-in throttling; sign-ins, sessions and API tokens in the audit trail; the client's request id
-- beside the register's own (issue 12: "Sign-in throttling", "Accounts and reads in the trail",
-- "Cookies and ids").
--
-- * auth.sign_in_failures: one row per failed sign-in, twice over: for the account (a SHA-256 of the
--   e-mail address as given, normalised, whether or not an account has it) and for the client's
--   address. The service counts a subject's rows over a sliding window and refuses further attempts
--   for a short, growing while (429). The rows live in the database so that several servers share
--   them; they hold no e-mail address or client address in clear, and every failure prunes the rows
--   older than the longest window (an hour). A successful sign-in deletes its account's rows.
-- * auth.sessions gets an id: the trail names a session by it, never by its secret or the secret's hash.
-- * register.access_events, audited like every register table: each sign-in (succeeded or failed,
--   with the e-mail address given and the client's address), each session ended (signed out, or ended
--   by a password change or reset or a deactivation), each API token created and revoked (by its owner,
--   or by an admin's deactivation). No password, token, session secret or hash is ever written there;
--   schema auth stays unaudited. A failure for an e-mail address no account has links no user.
-- * The client's X-Request-Id: the register's own request id stays the event's `request_id`; when the
--   transaction set `app.client_request_id` (the service does when a client sent a well-formed one),
--   events carry it as `client_request_id` beside it. Events recorded without it have the same payload
--   as before, and sealed events are never touched, so every existing hash stays as it was.

CREATE TABLE auth.sign_in_failures (
    scope     text NOT NULL CHECK (scope IN ('account', 'address')),
    subject   bytea NOT NULL CHECK (length(subject) = 32),
    failed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX sign_in_failures_subject ON auth.sign_in_failures (scope, subject, failed_at);
CREATE INDEX sign_in_failures_age ON auth.sign_in_failures (failed_at);
REVOKE UPDATE, TRUNCATE ON auth.sign_in_failures FROM register_app;

ALTER TABLE auth.sessions ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE auth.sessions ADD CONSTRAINT sessions_id_unique UNIQUE (id);

CREATE TABLE register.access_events (
    id                uuid PRIMARY KEY,
    event             text NOT NULL CHECK (event IN ('sign_in_succeeded', 'sign_in_failed', 'session_ended', 'token_created', 'token_revoked')),
    -- The person; absent only for a failed sign-in with an e-mail address no account has.
    user_id           uuid REFERENCES register.users (id),
    -- The e-mail address given at a sign-in, normalised (absent when what was typed was no e-mail address).
    email             text CHECK (length(email) <= 254),
    session_id        uuid,
    token_id          uuid,
    token_name        text,
    token_expires_at  timestamptz,
    -- Why a session or token ended.
    reason            text CHECK (reason IN ('signed_out', 'password_changed', 'password_reset', 'deactivated', 'revoked')),
    -- The client's address at a sign-in (the peer, or X-Forwarded-For through a trusted proxy).
    client_address    text CHECK (length(client_address) <= 64),
    created_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (user_id IS NOT NULL OR event = 'sign_in_failed'),
    CHECK ((session_id IS NOT NULL) = (event IN ('sign_in_succeeded', 'session_ended'))),
    CHECK ((token_id IS NOT NULL) = (event IN ('token_created', 'token_revoked'))),
    CHECK ((reason IS NOT NULL) = (event IN ('session_ended', 'token_revoked')))
);
CREATE INDEX access_events_user ON register.access_events (user_id, created_at);

-- Insert-only, like the other records of what happened (migrations 3 and 10).
REVOKE UPDATE, DELETE, TRUNCATE ON register.access_events FROM register_app;
CREATE TRIGGER insert_only BEFORE UPDATE OR DELETE ON register.access_events
    FOR EACH ROW EXECUTE FUNCTION register.refuse_rewrite('access events');
ALTER TABLE register.access_events ENABLE ALWAYS TRIGGER insert_only;

SELECT register.attach_audit('register.access_events');

-- The two functions that build events (as in migration 7), now adding the client's request id when
-- there is one. Nothing else in them changes.
SET ROLE register_audit_owner;

CREATE OR REPLACE FUNCTION audit.record_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
    DECLARE
        actor     text := current_setting('app.actor', true);
        request   text := current_setting('app.request_id', true);
        client    text := coalesce(current_setting('app.client_request_id', true), '');
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
            || CASE WHEN client = '' THEN '{}'::jsonb ELSE jsonb_build_object('client_request_id', client) END)::text);
        RETURN NULL;
    END
    $$;

CREATE OR REPLACE FUNCTION audit.record_read(what text, key_value text, detail jsonb DEFAULT NULL) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
    DECLARE
        actor   text := current_setting('app.actor', true);
        request text := current_setting('app.request_id', true);
        client  text := coalesce(current_setting('app.client_request_id', true), '');
    BEGIN
        IF coalesce(actor, '') = '' OR coalesce(request, '') = '' THEN
            RAISE EXCEPTION 'audit: recording a read needs app.actor and app.request_id' USING ERRCODE = 'LRA01';
        END IF;
        -- Reads live in their own namespace, so they can never pass for a change to a register table.
        INSERT INTO audit.pending (payload) VALUES ((jsonb_build_object(
            'table', 'read:' || what, 'op', 'READ', 'key', key_value, 'old', NULL, 'new', detail,
            'actor', actor, 'request_id', request, 'db_user', session_user,
            'at', to_char(transaction_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
            || CASE WHEN client = '' THEN '{}'::jsonb ELSE jsonb_build_object('client_request_id', client) END)::text);
    END
    $$;

RESET ROLE;
