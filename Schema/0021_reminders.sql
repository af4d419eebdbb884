-- Reminders that chase (issue 15): e-mail digests of what is due, overdue and waiting.
--
-- * register.reminder_preferences: how often a person wants a digest (daily, weekly, none) and
--   whether statutory-clock warnings reach them. Coordinators cannot switch clock warnings off:
--   the domain refuses it, and so does the trigger below (the rule needs the person's role, which
--   a CHECK cannot read). A person without a row gets the default: daily, with clock warnings.
-- * register.boards.reminder_due_within_days: how far ahead a partner's digest looks for actions
--   coming due (14 days unless the board says otherwise).
-- * register.reminder_outbox: one row per person per day, written BEFORE the message is sent, so a
--   crash or a mail outage never loses a digest (the row waits, pending) nor doubles one (the
--   unique key; a re-run finds the row and sends nothing new). Failed sends back off
--   (next_attempt_at) and are given up a day after the digest was made. The row is audited like
--   every table of schema register, so the trail says who was sent which digest and when, never
--   what it said.
-- * mail.messages: the message itself (subject and bodies) while it waits to be sent. Outside schema
--   register and not audited, so no body reaches the trail; deleted once sent or given up.

CREATE TABLE register.reminder_preferences (
    user_id        uuid PRIMARY KEY REFERENCES register.users (id),
    frequency      text NOT NULL DEFAULT 'daily' CHECK (frequency IN ('daily', 'weekly', 'none')),
    clock_warnings boolean NOT NULL DEFAULT true,
    version        integer NOT NULL DEFAULT 1 CHECK (version > 0),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION register.check_reminder_preferences() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        IF NOT NEW.clock_warnings AND EXISTS (SELECT 1 FROM register.users u WHERE u.id = NEW.user_id AND u.role = 'coordinator') THEN
            RAISE EXCEPTION 'a coordinator cannot switch off statutory-clock warnings' USING ERRCODE = 'LRA10';
        END IF;
        RETURN NEW;
    END
    $$;
CREATE TRIGGER coordinator_clock_warnings BEFORE INSERT OR UPDATE ON register.reminder_preferences
    FOR EACH ROW EXECUTE FUNCTION register.check_reminder_preferences();
ALTER TABLE register.reminder_preferences ENABLE ALWAYS TRIGGER coordinator_clock_warnings;
REVOKE DELETE, TRUNCATE ON register.reminder_preferences FROM register_app;

-- A person who becomes a coordinator gets clock warnings back, whatever they chose before.
CREATE FUNCTION register.coordinator_keeps_clock_warnings() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        IF NEW.role = 'coordinator' AND OLD.role IS DISTINCT FROM NEW.role THEN
            UPDATE register.reminder_preferences SET clock_warnings = true, version = version + 1, updated_at = now()
            WHERE user_id = NEW.id AND NOT clock_warnings;
        END IF;
        RETURN NEW;
    END
    $$;
CREATE TRIGGER coordinator_keeps_clock_warnings AFTER UPDATE OF role ON register.users
    FOR EACH ROW EXECUTE FUNCTION register.coordinator_keeps_clock_warnings();
ALTER TABLE register.users ENABLE ALWAYS TRIGGER coordinator_keeps_clock_warnings;

ALTER TABLE register.boards ADD COLUMN reminder_due_within_days integer NOT NULL DEFAULT 14
    CHECK (reminder_due_within_days BETWEEN 1 AND 90);

CREATE TABLE register.reminder_outbox (
    id              uuid PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES register.users (id),
    -- The UK day the digest is for.
    digest_day      date NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('daily', 'weekly', 'clocks')),
    -- How many entries it lists (a count, not what they are).
    item_count      integer NOT NULL CHECK (item_count > 0),
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'given_up')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text CHECK (length(last_error) BETWEEN 1 AND 500),
    sent_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- One digest per person per day, whatever its kind: a re-run or a second server adds nothing.
    CONSTRAINT reminder_outbox_one_per_day UNIQUE (user_id, digest_day),
    CONSTRAINT reminder_outbox_sent_when CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
    CONSTRAINT reminder_outbox_given_up_why CHECK (status <> 'given_up' OR last_error IS NOT NULL)
);
CREATE INDEX reminder_outbox_waiting ON register.reminder_outbox (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX reminder_outbox_given_up ON register.reminder_outbox (digest_day DESC, id) WHERE status = 'given_up';

-- Sent and given-up digests stay as they are; only a pending one moves.
CREATE FUNCTION register.check_outbox_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        IF (NEW.id, NEW.user_id, NEW.digest_day, NEW.kind, NEW.item_count, NEW.created_at)
           IS DISTINCT FROM (OLD.id, OLD.user_id, OLD.digest_day, OLD.kind, OLD.item_count, OLD.created_at)
           OR OLD.status <> 'pending' THEN
            RAISE EXCEPTION 'a reminder that is % is never changed', OLD.status USING ERRCODE = 'LRA10';
        END IF;
        RETURN NEW;
    END
    $$;
CREATE TRIGGER outbox_change BEFORE UPDATE ON register.reminder_outbox
    FOR EACH ROW EXECUTE FUNCTION register.check_outbox_change();
ALTER TABLE register.reminder_outbox ENABLE ALWAYS TRIGGER outbox_change;
REVOKE DELETE, TRUNCATE ON register.reminder_outbox FROM register_app;

CREATE SCHEMA mail;
REVOKE ALL ON SCHEMA mail FROM PUBLIC;
GRANT USAGE ON SCHEMA mail TO register_app;
CREATE TABLE mail.messages (
    outbox_id  uuid PRIMARY KEY REFERENCES register.reminder_outbox (id),
    recipient  text NOT NULL CHECK (length(recipient) BETWEEN 3 AND 254),
    subject    text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
    text_body  text NOT NULL,
    html_body  text NOT NULL
);
REVOKE ALL ON mail.messages FROM PUBLIC;
GRANT SELECT, INSERT, DELETE ON mail.messages TO register_app;

SELECT register.attach_audit('register.reminder_preferences');
SELECT register.attach_audit('register.reminder_outbox');
