-- Account lifecycle (issue 12, "Account lifecycle"; the admin and "my account" pages of issue 11).
--
-- * API tokens expire (90 days unless asked otherwise, at most a year: the service checks the
--   length asked for) and keep the time they were last used.
-- * Account changes that leave no trace in another register table — a password reset or change,
--   and the sessions ended and tokens revoked with a deactivation — are recorded as events in
--   register.account_events, which the audit trail records like every register table (who, what,
--   when). No password, hash or token is ever written there; schema auth stays unaudited.

ALTER TABLE auth.api_tokens
    ADD COLUMN expires_at timestamptz,
    ADD COLUMN last_used_at timestamptz;
-- Tokens made before tokens expired get 90 days from now, so no script stops working at once.
UPDATE auth.api_tokens SET expires_at = now() + interval '90 days' WHERE expires_at IS NULL;
ALTER TABLE auth.api_tokens
    ALTER COLUMN expires_at SET DEFAULT now() + interval '90 days',
    ALTER COLUMN expires_at SET NOT NULL,
    ADD CONSTRAINT api_tokens_expire_after_creation CHECK (expires_at > created_at);

CREATE TABLE register.account_events (
    id             uuid PRIMARY KEY,
    user_id        uuid NOT NULL REFERENCES register.users (id),
    event          text NOT NULL CHECK (event IN ('deactivated', 'reactivated', 'role_changed', 'password_reset', 'password_changed')),
    -- What the change ended: the person's sessions (all, or all but the one they changed their password in) and API tokens.
    sessions_ended integer NOT NULL DEFAULT 0 CHECK (sessions_ended >= 0),
    tokens_revoked integer NOT NULL DEFAULT 0 CHECK (tokens_revoked >= 0),
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_events_user ON register.account_events (user_id, created_at);

-- Insert-only, like the other records of what happened (migration 3).
REVOKE UPDATE, DELETE, TRUNCATE ON register.account_events FROM register_app;
CREATE TRIGGER insert_only BEFORE UPDATE OR DELETE ON register.account_events
    FOR EACH ROW EXECUTE FUNCTION register.refuse_rewrite('account events');
ALTER TABLE register.account_events ENABLE ALWAYS TRIGGER insert_only;

SELECT register.attach_audit('register.account_events');
