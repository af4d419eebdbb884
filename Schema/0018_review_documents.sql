-- Documents of a review (issue 13, point 6): the published report, briefing notes, the
-- partnership's response, and other papers, attached by a coordinator.
--
-- Each document is one file, kept as evidence files are: its bytes in the sealed store
-- (files.chunks), its name, media type, size and SHA-256 here, where the audit trail records them.
-- A document is never changed or deleted: a new version is a new document, and one that should no
-- longer be relied on is withdrawn with a reason (a row of its own, also never changed).

CREATE TABLE register.review_documents (
    id         uuid PRIMARY KEY,
    review_id  uuid NOT NULL REFERENCES register.reviews (id),
    kind       text NOT NULL CHECK (kind IN ('published_report', 'briefing_note', 'partnership_response', 'other')),
    title      text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    media_type text NOT NULL CHECK (length(media_type) BETWEEN 3 AND 100),
    size_bytes bigint NOT NULL CHECK (size_bytes > 0),
    sha256     bytea NOT NULL CHECK (length(sha256) = 32),
    added_by   text NOT NULL CHECK (length(added_by) BETWEEN 1 AND 200),
    added_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX review_documents_review ON register.review_documents (review_id, id);

-- A coordinator's decision that a document is no longer to be relied on: at most one, with its reason.
CREATE TABLE register.review_document_withdrawals (
    document_id  uuid PRIMARY KEY REFERENCES register.review_documents (id),
    reason       text NOT NULL CHECK (length(reason) BETWEEN 1 AND 5000),
    withdrawn_by text NOT NULL CHECK (length(withdrawn_by) BETWEEN 1 AND 200),
    withdrawn_at timestamptz NOT NULL DEFAULT now()
);

DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('register.review_documents', 'documents of a review'),
        ('register.review_document_withdrawals', 'withdrawals of documents')) AS v(tbl, what)
    LOOP
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %s FROM register_app', t.tbl);
        EXECUTE format(
            'CREATE TRIGGER insert_only BEFORE UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION register.refuse_rewrite(%L)',
            t.tbl, t.what);
        EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER insert_only', t.tbl);
    END LOOP;
END
$$;

-- The sealed store's one list of file tables gains documents (see migration 17).
CREATE OR REPLACE FUNCTION register.stored_file_exists(p_file uuid) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
        SELECT EXISTS (SELECT 1 FROM register.evidence_files WHERE id = p_file)
            OR EXISTS (SELECT 1 FROM register.information_answer_files WHERE id = p_file)
            OR EXISTS (SELECT 1 FROM register.review_documents WHERE id = p_file)
    $$;

-- A document is recorded only whole, as an evidence file is (migration 12).
CREATE TRIGGER whole_file BEFORE INSERT ON register.review_documents
    FOR EACH ROW EXECUTE FUNCTION register.check_stored_file_whole();
ALTER TABLE register.review_documents ENABLE ALWAYS TRIGGER whole_file;

-- Which documents a partner may read: the kinds that are public, or meant for partners, on a
-- review the partner can reach. A draft response or an internal paper stays with the partnership.
CREATE FUNCTION register.document_kind_open_to_partners(p_kind text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT p_kind IN ('published_report', 'briefing_note') $$;
GRANT EXECUTE ON FUNCTION register.document_kind_open_to_partners(text) TO register_app, register_auditor;

SELECT register.attach_audit('register.review_documents');
SELECT register.attach_audit('register.review_document_withdrawals');

-- The documents, and their withdrawals, as they stood at a moment (the evidence pack as at a day),
-- rebuilt from the audit trail as migration 6 does for evidence files; now when `p_at` is null.
CREATE FUNCTION register.review_documents_at(p_at text) RETURNS SETOF register.review_documents
    LANGUAGE sql STABLE
    AS $$
        SELECT * FROM register.review_documents WHERE p_at IS NULL
        UNION ALL
        SELECT (jsonb_populate_record(NULL::register.review_documents, j)).* FROM audit.rows_as_at('review_documents', p_at) j WHERE p_at IS NOT NULL
    $$;
CREATE FUNCTION register.review_document_withdrawals_at(p_at text) RETURNS SETOF register.review_document_withdrawals
    LANGUAGE sql STABLE
    AS $$
        SELECT * FROM register.review_document_withdrawals WHERE p_at IS NULL
        UNION ALL
        SELECT (jsonb_populate_record(NULL::register.review_document_withdrawals, j)).* FROM audit.rows_as_at('review_document_withdrawals', p_at) j WHERE p_at IS NOT NULL
    $$;
GRANT EXECUTE ON FUNCTION register.review_documents_at(text), register.review_document_withdrawals_at(text) TO register_app, register_auditor;
