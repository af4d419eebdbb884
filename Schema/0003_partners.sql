-- Learning Register: partner agencies, their assignments, progress updates and evidence.
--
-- What a partner has said and sent is never rewritten: progress updates, due-date revisions,
-- reassignments, evidence, its files and the verdicts on it are insert-only (the service's role
-- has no UPDATE or DELETE on them, and triggers refuse even the owner). Evidence file contents
-- live in schema "files", outside the audited register: the trail records each file's SHA-256,
-- size and name, which is what proves the content, without copying megabytes into every event.

-- Partner organisations.
CREATE TABLE register.partners (
    id         uuid PRIMARY KEY,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    sector     text NOT NULL CHECK (sector IN ('police', 'health', 'local_authority', 'education', 'probation', 'voluntary', 'other')),
    active     boolean NOT NULL DEFAULT true,
    version    integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX partners_name_unique ON register.partners (lower(name));

-- A partner user belongs to exactly one organisation; nobody else belongs to one.
ALTER TABLE register.users ADD COLUMN partner_id uuid REFERENCES register.partners (id);
-- Partner accounts made before organisations existed are parked in one, for an admin to move.
INSERT INTO register.partners (id, name, sector)
SELECT gen_random_uuid(), 'Organisation to be confirmed (set by migration 3)', 'other'
WHERE EXISTS (SELECT 1 FROM register.users WHERE role = 'partner');
UPDATE register.users SET partner_id = (
    SELECT id FROM register.partners WHERE name = 'Organisation to be confirmed (set by migration 3)')
WHERE role = 'partner';
ALTER TABLE register.users ADD CONSTRAINT users_partner_iff_partner_role CHECK ((role = 'partner') = (partner_id IS NOT NULL));
CREATE INDEX users_partner ON register.users (partner_id) WHERE partner_id IS NOT NULL;

-- Whether assurance needs accepted evidence of outcome or impact (DESIGN.md), per partnership.
ALTER TABLE register.boards ADD COLUMN assurance_needs_outcome boolean NOT NULL DEFAULT true;

-- A recommendation given to a partner: its SMART action, officer and due date.
CREATE TABLE register.assignments (
    id                uuid PRIMARY KEY,
    recommendation_id uuid NOT NULL REFERENCES register.recommendations (id),
    partner_id        uuid NOT NULL REFERENCES register.partners (id),
    role              text NOT NULL CHECK (role IN ('lead', 'supporting')),
    action            text NOT NULL CHECK (length(action) BETWEEN 1 AND 5000),
    lead_officer      text CHECK (length(lead_officer) BETWEEN 1 AND 200),
    due_date          date NOT NULL,
    original_due_date date NOT NULL,
    status            text NOT NULL DEFAULT 'assigned'
                      CHECK (status IN ('assigned', 'in_progress', 'evidence_submitted', 'returned', 'accepted')),
    assigned_by       text NOT NULL CHECK (length(assigned_by) BETWEEN 1 AND 200),
    version           integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT assignments_one_per_partner UNIQUE (recommendation_id, partner_id)
);
CREATE INDEX assignments_partner ON register.assignments (partner_id, id);
CREATE INDEX assignments_due ON register.assignments (due_date, id) WHERE status <> 'accepted';
CREATE INDEX assignments_status ON register.assignments (status, id);

-- Refuses any change to a row of an insert-only table.
CREATE FUNCTION register.refuse_rewrite() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        RAISE EXCEPTION '% are never changed or deleted: add a new one instead', TG_ARGV[0]
            USING ERRCODE = 'LRA10';
    END
    $$;

-- Each change of a due date, with its reason.
CREATE TABLE register.due_date_revisions (
    id            uuid PRIMARY KEY,
    assignment_id uuid NOT NULL REFERENCES register.assignments (id),
    from_date     date NOT NULL,
    to_date       date NOT NULL,
    reason        text NOT NULL CHECK (length(reason) BETWEEN 1 AND 5000),
    actor         text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (from_date <> to_date)
);
CREATE INDEX due_date_revisions_assignment ON register.due_date_revisions (assignment_id, id);

-- Dated progress notes: added, never overwritten.
CREATE TABLE register.progress_updates (
    id            uuid PRIMARY KEY,
    assignment_id uuid NOT NULL REFERENCES register.assignments (id),
    happened_on   date NOT NULL,
    text          text NOT NULL CHECK (length(text) BETWEEN 1 AND 10000),
    author_id     uuid REFERENCES register.users (id),
    actor         text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX progress_updates_assignment ON register.progress_updates (assignment_id, id);

-- A bulk move of work from one partner or officer to another.
CREATE TABLE register.reassignments (
    id                uuid PRIMARY KEY,
    from_partner_id   uuid NOT NULL REFERENCES register.partners (id),
    to_partner_id     uuid NOT NULL REFERENCES register.partners (id),
    from_lead_officer text,
    to_lead_officer   text CHECK (length(to_lead_officer) BETWEEN 1 AND 200),
    reason            text NOT NULL CHECK (length(reason) BETWEEN 1 AND 5000),
    assignment_ids    uuid[] NOT NULL,
    actor             text NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now()
);

-- Evidence of implementation. Immutable once submitted: a correction is a new submission.
CREATE TABLE register.evidence (
    id              uuid PRIMARY KEY,
    assignment_id   uuid NOT NULL REFERENCES register.assignments (id),
    summary         text NOT NULL CHECK (length(summary) BETWEEN 1 AND 10000),
    kind            text NOT NULL CHECK (kind IN ('output', 'outcome', 'impact')),
    effective_date  date NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    submitted_by    uuid NOT NULL REFERENCES register.users (id),
    idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    CONSTRAINT evidence_idempotency UNIQUE (submitted_by, idempotency_key)
);
CREATE INDEX evidence_assignment ON register.evidence (assignment_id, id);

-- One row per file: what the trail records. The bytes are in files.chunks.
CREATE TABLE register.evidence_files (
    id          uuid PRIMARY KEY,
    evidence_id uuid NOT NULL REFERENCES register.evidence (id) DEFERRABLE INITIALLY DEFERRED,
    position    integer NOT NULL CHECK (position > 0),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    media_type  text NOT NULL CHECK (length(media_type) BETWEEN 3 AND 100),
    size_bytes  bigint NOT NULL CHECK (size_bytes > 0),
    sha256      bytea NOT NULL CHECK (length(sha256) = 32),
    CONSTRAINT evidence_files_position UNIQUE (evidence_id, position)
);

-- The verdict on a piece of evidence: at most one, never changed. No row means pending.
CREATE TABLE register.evidence_decisions (
    evidence_id uuid PRIMARY KEY REFERENCES register.evidence (id),
    verdict     text NOT NULL CHECK (verdict IN ('accepted', 'returned')),
    reason      text CHECK (length(reason) BETWEEN 1 AND 5000),
    decided_by  uuid NOT NULL REFERENCES register.users (id),
    decided_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT evidence_decisions_reason_when_returned CHECK (verdict <> 'returned' OR reason IS NOT NULL)
);

-- File contents, streamed in as chunks while an upload arrives (so memory stays small) and
-- written once. Outside schema "register", so not copied into the audit trail.
CREATE SCHEMA files;
REVOKE ALL ON SCHEMA files FROM PUBLIC;
GRANT USAGE ON SCHEMA files TO register_app;
CREATE TABLE files.chunks (
    file_id uuid NOT NULL REFERENCES register.evidence_files (id) DEFERRABLE INITIALLY DEFERRED,
    seq     integer NOT NULL CHECK (seq >= 0),
    data    bytea NOT NULL CHECK (length(data) > 0),
    PRIMARY KEY (file_id, seq)
);
GRANT SELECT, INSERT ON files.chunks TO register_app;

DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('register.due_date_revisions', 'due-date revisions'),
        ('register.progress_updates', 'progress updates'),
        ('register.reassignments', 'reassignments'),
        ('register.evidence', 'evidence submissions'),
        ('register.evidence_files', 'evidence files'),
        ('register.evidence_decisions', 'evidence decisions'),
        ('files.chunks', 'evidence file contents')) AS v(tbl, what)
    LOOP
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %s FROM register_app', t.tbl);
        EXECUTE format(
            'CREATE TRIGGER insert_only BEFORE UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION register.refuse_rewrite(%L)',
            t.tbl, t.what);
        EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER insert_only', t.tbl);
    END LOOP;
END
$$;

-- Assurance needs, for each lead assignment, accepted evidence of outcome or impact (or, where
-- the board has switched that rule off, accepted evidence of any kind) on work that has not been
-- reopened or returned since; and at least one lead assignment.
CREATE FUNCTION register.assurance_met(p_recommendation uuid) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
        SELECT EXISTS (SELECT 1 FROM register.assignments a WHERE a.recommendation_id = p_recommendation AND a.role = 'lead')
           AND NOT EXISTS (
               SELECT 1 FROM register.assignments a
               JOIN register.recommendations r ON r.id = a.recommendation_id
               JOIN register.reviews v ON v.id = r.review_id
               JOIN register.boards b ON b.id = v.board_id
               WHERE a.recommendation_id = p_recommendation AND a.role = 'lead'
                 -- Work reopened, or returned since, is under way again: not assured.
                 AND (a.status NOT IN ('accepted', 'evidence_submitted') OR NOT EXISTS (
                     SELECT 1 FROM register.evidence e
                     JOIN register.evidence_decisions d ON d.evidence_id = e.id AND d.verdict = 'accepted'
                     WHERE e.assignment_id = a.id
                       AND (e.kind IN ('outcome', 'impact') OR NOT b.assurance_needs_outcome))))
    $$;
GRANT EXECUTE ON FUNCTION register.assurance_met(uuid) TO register_app, register_auditor;

-- The database keeps the rule too: no recommendation becomes assured without it.
CREATE FUNCTION register.check_assurance() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        IF NEW.status = 'assured' AND OLD.status IS DISTINCT FROM 'assured'
           AND NOT register.assurance_met(NEW.id) THEN
            RAISE EXCEPTION 'recommendation % cannot be assured: each lead assignment needs accepted evidence of outcome or impact', NEW.number
                USING ERRCODE = 'LRA11';
        END IF;
        RETURN NEW;
    END
    $$;
CREATE TRIGGER recommendations_assurance BEFORE UPDATE OF status ON register.recommendations
    FOR EACH ROW EXECUTE FUNCTION register.check_assurance();

-- Every new table is audited.
SELECT register.attach_audit('register.partners');
SELECT register.attach_audit('register.assignments');
SELECT register.attach_audit('register.due_date_revisions');
SELECT register.attach_audit('register.progress_updates');
SELECT register.attach_audit('register.reassignments');
SELECT register.attach_audit('register.evidence');
SELECT register.attach_audit('register.evidence_files');
SELECT register.attach_audit('register.evidence_decisions');
