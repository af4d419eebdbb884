-- Evidence provenance and sealed files (issue 12, points 4 and 6).
--
-- * Each evidence submission and progress update keeps the partner organisation it came from
--   (`from_partner_id`): the assignment's partner when it was recorded. A reassignment moves the
--   assignment, not what an earlier organisation sent: the receiving partner sees the earlier
--   organisation's evidence and updates only once a coordinator shares them (`evidence_shares`).
-- * A stored file cannot grow or change: once its row in register.evidence_files exists (it is
--   written after the file's last piece), no piece can be added to it, and a file is recorded only
--   with every piece of it present, numbered from 0 without a gap, adding up to its recorded size.
--   Pieces were already never updated or deleted (migration 3); TRUNCATE is now refused too.

-- Provenance -----------------------------------------------------------------------------------

ALTER TABLE register.evidence ADD COLUMN from_partner_id uuid REFERENCES register.partners (id);
ALTER TABLE register.progress_updates ADD COLUMN from_partner_id uuid REFERENCES register.partners (id);

-- Existing rows: the assignment's partner at the moment each row was committed, as the audit trail
-- recorded it. The trail's order is the order of commits, which is exact: a reassignment's own
-- created_at is when its transaction began, so one that began before a submission but committed
-- after it would be misread from timestamps. The assignment's partner now is the answer only for a
-- row the trail does not hold (none in a register migrated from the start). The backfill is itself
-- recorded in the trail, as changes by "system:migrate-12".
--
-- The rows' own events are sealed as each statement ends (not at COMMIT), because PostgreSQL will
-- not ALTER a table with trigger events pending (migration 7), and the tables are altered below.
SET CONSTRAINTS register.audit_changes IMMEDIATE;
ALTER TABLE register.evidence DISABLE TRIGGER insert_only;
ALTER TABLE register.progress_updates DISABLE TRIGGER insert_only;

CREATE FUNCTION pg_temp.partner_when_committed(p_table text, p_key uuid, p_assignment uuid) RETURNS uuid
    LANGUAGE sql STABLE
    AS $$
        SELECT COALESCE(
            (SELECT (a.payload::jsonb -> 'new' ->> 'partner_id')::uuid
             FROM audit.events a
             WHERE a.table_name = 'assignments' AND a.row_key = p_assignment::text AND a.operation IN ('INSERT', 'UPDATE')
               AND a.seq < (SELECT min(r.seq) FROM audit.events r
                            WHERE r.table_name = p_table AND r.row_key = p_key::text AND r.operation = 'INSERT')
             ORDER BY a.seq DESC LIMIT 1),
            (SELECT partner_id FROM register.assignments WHERE id = p_assignment))
    $$;
UPDATE register.evidence SET from_partner_id = pg_temp.partner_when_committed('evidence', id, assignment_id);
UPDATE register.progress_updates SET from_partner_id = pg_temp.partner_when_committed('progress_updates', id, assignment_id);

ALTER TABLE register.evidence ALTER COLUMN from_partner_id SET NOT NULL;
ALTER TABLE register.progress_updates ALTER COLUMN from_partner_id SET NOT NULL;
ALTER TABLE register.evidence ENABLE ALWAYS TRIGGER insert_only;
ALTER TABLE register.progress_updates ENABLE ALWAYS TRIGGER insert_only;
SET CONSTRAINTS register.audit_changes DEFERRED;

-- New rows: the database fills it in from the assignment, whatever the caller sends, so no path can
-- record a submission as another organisation's. The writer holds the assignment's lock (submission,
-- update and reassignment all lock it), so this is the partner at that moment.
CREATE FUNCTION register.record_from_partner() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        NEW.from_partner_id := (SELECT partner_id FROM register.assignments WHERE id = NEW.assignment_id);
        RETURN NEW;
    END
    $$;
CREATE TRIGGER from_partner BEFORE INSERT ON register.evidence
    FOR EACH ROW EXECUTE FUNCTION register.record_from_partner();
CREATE TRIGGER from_partner BEFORE INSERT ON register.progress_updates
    FOR EACH ROW EXECUTE FUNCTION register.record_from_partner();
ALTER TABLE register.evidence ENABLE ALWAYS TRIGGER from_partner;
ALTER TABLE register.progress_updates ENABLE ALWAYS TRIGGER from_partner;

CREATE INDEX evidence_from_partner ON register.evidence (from_partner_id, id);
-- Lets a share name a piece of evidence together with its assignment.
ALTER TABLE register.evidence ADD CONSTRAINT evidence_id_assignment UNIQUE (id, assignment_id);

-- A coordinator's decision that the partner who has an assignment now may see what another
-- organisation sent on it: one piece of evidence, or (evidence_id null) every submission and
-- progress update on the assignment. Never changed or withdrawn; audited like every register table.
CREATE TABLE register.evidence_shares (
    id            uuid PRIMARY KEY,
    assignment_id uuid NOT NULL REFERENCES register.assignments (id),
    evidence_id   uuid,
    -- The organisation it is shared with: the assignment's partner when it was shared.
    partner_id    uuid NOT NULL REFERENCES register.partners (id),
    shared_by     text NOT NULL CHECK (length(shared_by) BETWEEN 1 AND 200),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT evidence_shares_evidence_of_assignment FOREIGN KEY (evidence_id, assignment_id)
        REFERENCES register.evidence (id, assignment_id),
    CONSTRAINT evidence_shares_once UNIQUE NULLS NOT DISTINCT (assignment_id, partner_id, evidence_id)
);
REVOKE UPDATE, DELETE, TRUNCATE ON register.evidence_shares FROM register_app;
CREATE TRIGGER insert_only BEFORE UPDATE OR DELETE ON register.evidence_shares
    FOR EACH ROW EXECUTE FUNCTION register.refuse_rewrite('evidence shares');
ALTER TABLE register.evidence_shares ENABLE ALWAYS TRIGGER insert_only;
SELECT register.attach_audit('register.evidence_shares');

-- The one definition of "this partner may see this submission or update" (given that the
-- assignment is the partner's now): they sent it, or a coordinator shared it with them (that piece
-- of evidence, or everything on the assignment). `p_evidence` is null for a progress update, which
-- only an assignment-wide share reaches.
CREATE FUNCTION register.partner_sees_submission(p_partner uuid, p_assignment uuid, p_from_partner uuid, p_evidence uuid)
    RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
        SELECT p_from_partner = p_partner OR EXISTS (
            SELECT 1 FROM register.evidence_shares s
            WHERE s.assignment_id = p_assignment AND s.partner_id = p_partner
              AND (s.evidence_id IS NULL OR s.evidence_id = p_evidence))
    $$;
GRANT EXECUTE ON FUNCTION register.partner_sees_submission(uuid, uuid, uuid, uuid) TO register_app, register_auditor;

-- Sealed files ---------------------------------------------------------------------------------

-- A piece for a file already recorded is refused: the record is written after the last piece, so
-- a file that has one is complete. Runs for every role, the owner included.
CREATE FUNCTION register.refuse_piece_of_stored_file() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM register.evidence_files WHERE id = NEW.file_id) THEN
            RAISE EXCEPTION 'evidence file % is stored and sealed: no piece can be added to it', NEW.file_id
                USING ERRCODE = 'LRA10';
        END IF;
        RETURN NEW;
    END
    $$;
CREATE TRIGGER sealed_files BEFORE INSERT ON files.chunks
    FOR EACH ROW EXECUTE FUNCTION register.refuse_piece_of_stored_file();
ALTER TABLE files.chunks ENABLE ALWAYS TRIGGER sealed_files;

-- A file is recorded only whole: pieces 0…n-1, no gap, adding up to its size.
CREATE FUNCTION register.check_stored_file_whole() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    DECLARE
        pieces bigint;
        last   integer;
        total  bigint;
    BEGIN
        SELECT count(*), max(seq), COALESCE(sum(octet_length(data)), 0) INTO pieces, last, total
        FROM files.chunks WHERE file_id = NEW.id;
        IF pieces = 0 OR last <> pieces - 1 OR total <> NEW.size_bytes THEN
            RAISE EXCEPTION 'evidence file % is not whole: % pieces of % bytes where % bytes were recorded', NEW.id, pieces, total, NEW.size_bytes
                USING ERRCODE = 'LRA12';
        END IF;
        RETURN NEW;
    END
    $$;
CREATE TRIGGER whole_file BEFORE INSERT ON register.evidence_files
    FOR EACH ROW EXECUTE FUNCTION register.check_stored_file_whole();
ALTER TABLE register.evidence_files ENABLE ALWAYS TRIGGER whole_file;

CREATE FUNCTION register.refuse_truncate() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        RAISE EXCEPTION '% are never removed', TG_ARGV[0] USING ERRCODE = 'LRA10';
    END
    $$;
CREATE TRIGGER no_truncate BEFORE TRUNCATE ON files.chunks
    FOR EACH STATEMENT EXECUTE FUNCTION register.refuse_truncate('evidence file contents');
ALTER TABLE files.chunks ENABLE ALWAYS TRIGGER no_truncate;
