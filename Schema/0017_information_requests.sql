-- Further-information requests (issue 13, point 5).
--
-- A coordinator asks a holder (a partner organisation, or the partnership's own business unit or
-- subgroup: a row of register.partners either way) for a briefing or for information by a date,
-- perhaps on behalf of a monitoring body, perhaps about a review, a recommendation or an assignment.
-- The holder's people answer with text and files. Answers and their files are insert-only, like
-- evidence: a further answer is a new row. A request is open until answered, or withdrawn with a
-- reason; "overdue" is never stored but judged by register.information_request_overdue, the one
-- definition.
--
-- Files of answers (and, from migration 18, documents of a review) are kept in the same sealed
-- store as evidence files: files.chunks. Its pieces named an evidence file by a foreign key; they
-- now name a file of any kind, which register.stored_file_exists defines in one place, checked at
-- commit as the foreign key was.

CREATE TABLE register.information_requests (
    id                uuid PRIMARY KEY,
    -- Who is asked: a partner organisation or the partnership's business unit or subgroup.
    partner_id        uuid NOT NULL REFERENCES register.partners (id),
    -- What it is about, if anything: filled upwards from the most specific link by the trigger below.
    review_id         uuid REFERENCES register.reviews (id),
    recommendation_id uuid REFERENCES register.recommendations (id),
    assignment_id     uuid REFERENCES register.assignments (id),
    kind              text NOT NULL CHECK (kind IN ('briefing', 'information')),
    question          text NOT NULL CHECK (length(question) BETWEEN 1 AND 10000),
    -- The monitoring body that wants it ("Education and Children's Services Scrutiny Board").
    on_behalf_of      text CHECK (length(on_behalf_of) BETWEEN 1 AND 200),
    due_date          date NOT NULL,
    status            text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered', 'withdrawn')),
    asked_by          text NOT NULL CHECK (length(asked_by) BETWEEN 1 AND 200),
    withdrawn_reason  text CHECK (length(withdrawn_reason) BETWEEN 1 AND 5000),
    withdrawn_by      text CHECK (length(withdrawn_by) BETWEEN 1 AND 200),
    withdrawn_at      timestamptz,
    version           integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    -- A withdrawal always says why, who and when; nothing else carries those.
    CONSTRAINT information_requests_withdrawal CHECK (
        (status = 'withdrawn') = (withdrawn_reason IS NOT NULL)
        AND (withdrawn_reason IS NULL) = (withdrawn_by IS NULL)
        AND (withdrawn_reason IS NULL) = (withdrawn_at IS NULL))
);
CREATE INDEX information_requests_partner ON register.information_requests (partner_id, id);
CREATE INDEX information_requests_open ON register.information_requests (due_date, id) WHERE status = 'open';
CREATE INDEX information_requests_review ON register.information_requests (review_id, id) WHERE review_id IS NOT NULL;

-- The links above agree with each other whatever the caller sends: an assignment names its
-- recommendation, a recommendation its review.
CREATE FUNCTION register.fill_request_links() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        IF NEW.assignment_id IS NOT NULL THEN
            NEW.recommendation_id := (SELECT recommendation_id FROM register.assignments WHERE id = NEW.assignment_id);
        END IF;
        IF NEW.recommendation_id IS NOT NULL THEN
            NEW.review_id := (SELECT review_id FROM register.recommendations WHERE id = NEW.recommendation_id);
        END IF;
        RETURN NEW;
    END
    $$;
CREATE TRIGGER fill_links BEFORE INSERT ON register.information_requests
    FOR EACH ROW EXECUTE FUNCTION register.fill_request_links();
ALTER TABLE register.information_requests ENABLE ALWAYS TRIGGER fill_links;

-- What was asked never changes; only the status moves, and only from open (to answered, or to
-- withdrawn): an answered request stays answered, a withdrawn one stays withdrawn.
CREATE FUNCTION register.check_request_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        IF (NEW.id, NEW.partner_id, NEW.review_id, NEW.recommendation_id, NEW.assignment_id, NEW.kind, NEW.question,
            NEW.on_behalf_of, NEW.due_date, NEW.asked_by, NEW.created_at)
           IS DISTINCT FROM
           (OLD.id, OLD.partner_id, OLD.review_id, OLD.recommendation_id, OLD.assignment_id, OLD.kind, OLD.question,
            OLD.on_behalf_of, OLD.due_date, OLD.asked_by, OLD.created_at) THEN
            RAISE EXCEPTION 'what a further-information request asks is never changed: withdraw it and ask again'
                USING ERRCODE = 'LRA10';
        END IF;
        IF OLD.status <> NEW.status AND NOT (OLD.status = 'open' AND NEW.status IN ('answered', 'withdrawn')) THEN
            RAISE EXCEPTION 'a further-information request that is % cannot become %', OLD.status, NEW.status
                USING ERRCODE = 'LRA10';
        END IF;
        RETURN NEW;
    END
    $$;
CREATE TRIGGER request_change BEFORE UPDATE ON register.information_requests
    FOR EACH ROW EXECUTE FUNCTION register.check_request_change();
ALTER TABLE register.information_requests ENABLE ALWAYS TRIGGER request_change;
REVOKE DELETE, TRUNCATE ON register.information_requests FROM register_app;

-- An answer: text, and any files. Never changed; a further answer is a new row.
CREATE TABLE register.information_answers (
    id              uuid PRIMARY KEY,
    request_id      uuid NOT NULL REFERENCES register.information_requests (id),
    text            text NOT NULL CHECK (length(text) BETWEEN 1 AND 10000),
    answered_by     uuid NOT NULL REFERENCES register.users (id),
    -- The holder that answered: the request's, filled by the database whatever the caller sends.
    from_partner_id uuid NOT NULL REFERENCES register.partners (id),
    received_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX information_answers_request ON register.information_answers (request_id, id);

CREATE FUNCTION register.record_answering_partner() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    DECLARE
        request_status text;
    BEGIN
        SELECT partner_id, status INTO NEW.from_partner_id, request_status
        FROM register.information_requests WHERE id = NEW.request_id;
        IF request_status = 'withdrawn' THEN
            RAISE EXCEPTION 'further-information request % was withdrawn: it takes no answer', NEW.request_id
                USING ERRCODE = 'LRA10';
        END IF;
        RETURN NEW;
    END
    $$;
CREATE TRIGGER from_partner BEFORE INSERT ON register.information_answers
    FOR EACH ROW EXECUTE FUNCTION register.record_answering_partner();
ALTER TABLE register.information_answers ENABLE ALWAYS TRIGGER from_partner;

-- One row per file of an answer, as register.evidence_files: what the trail records.
CREATE TABLE register.information_answer_files (
    id          uuid PRIMARY KEY,
    answer_id   uuid NOT NULL REFERENCES register.information_answers (id) DEFERRABLE INITIALLY DEFERRED,
    position    integer NOT NULL CHECK (position > 0),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    media_type  text NOT NULL CHECK (length(media_type) BETWEEN 3 AND 100),
    size_bytes  bigint NOT NULL CHECK (size_bytes > 0),
    sha256      bytea NOT NULL CHECK (length(sha256) = 32),
    CONSTRAINT information_answer_files_position UNIQUE (answer_id, position)
);

DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('register.information_answers', 'answers to further-information requests'),
        ('register.information_answer_files', 'files of answers')) AS v(tbl, what)
    LOOP
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %s FROM register_app', t.tbl);
        EXECUTE format(
            'CREATE TRIGGER insert_only BEFORE UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION register.refuse_rewrite(%L)',
            t.tbl, t.what);
        EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER insert_only', t.tbl);
    END LOOP;
END
$$;

-- Overdue, defined once: still open and its due date before the day given (today in the UK, or a
-- report's day). Every list, filter and figure reads it from here.
CREATE FUNCTION register.information_request_overdue(p_status text, p_due_date date, p_on date) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT p_status = 'open' AND p_due_date < p_on $$;
GRANT EXECUTE ON FUNCTION register.information_request_overdue(text, date, date) TO register_app, register_auditor;

-- The sealed store, for files of every kind -------------------------------------------------------

-- Whether a stored file of any kind has this id: the one list of the tables whose files live in
-- files.chunks (migration 18 adds documents of a review).
CREATE FUNCTION register.stored_file_exists(p_file uuid) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
        SELECT EXISTS (SELECT 1 FROM register.evidence_files WHERE id = p_file)
            OR EXISTS (SELECT 1 FROM register.information_answer_files WHERE id = p_file)
    $$;

-- A piece for a file already recorded is refused (as migration 12, for every kind of file).
CREATE OR REPLACE FUNCTION register.refuse_piece_of_stored_file() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        IF register.stored_file_exists(NEW.file_id) THEN
            RAISE EXCEPTION 'stored file % is sealed: no piece can be added to it', NEW.file_id
                USING ERRCODE = 'LRA10';
        END IF;
        RETURN NEW;
    END
    $$;

-- At commit, every piece belongs to a recorded file (what the foreign key checked).
CREATE FUNCTION register.check_piece_has_file() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        IF NOT register.stored_file_exists(NEW.file_id) THEN
            RAISE EXCEPTION 'piece % of file % belongs to no recorded file', NEW.seq, NEW.file_id
                USING ERRCODE = '23503';
        END IF;
        RETURN NULL;
    END
    $$;
ALTER TABLE files.chunks DROP CONSTRAINT chunks_file_id_fkey;
CREATE CONSTRAINT TRIGGER piece_has_file AFTER INSERT ON files.chunks
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION register.check_piece_has_file();
ALTER TABLE files.chunks ENABLE ALWAYS TRIGGER piece_has_file;

-- A file of an answer is recorded only whole, as an evidence file is (migration 12).
CREATE TRIGGER whole_file BEFORE INSERT ON register.information_answer_files
    FOR EACH ROW EXECUTE FUNCTION register.check_stored_file_whole();
ALTER TABLE register.information_answer_files ENABLE ALWAYS TRIGGER whole_file;

SELECT register.attach_audit('register.information_requests');
SELECT register.attach_audit('register.information_answers');
SELECT register.attach_audit('register.information_answer_files');
