-- Learning Register: what the compliance reports and the learning view read.
--
-- Point-in-time versions of the partners' tables (rebuilt from the audit trail when p_at is
-- given, the live table otherwise), as migration 2 made for reviews and recommendations.

CREATE FUNCTION register.partners_at(p_at text) RETURNS SETOF register.partners
    LANGUAGE sql STABLE
    AS $$
        SELECT * FROM register.partners WHERE p_at IS NULL
        UNION ALL
        SELECT (jsonb_populate_record(NULL::register.partners, j)).* FROM audit.rows_as_at('partners', p_at) j WHERE p_at IS NOT NULL
    $$;
CREATE FUNCTION register.assignments_at(p_at text) RETURNS SETOF register.assignments
    LANGUAGE sql STABLE
    AS $$
        SELECT * FROM register.assignments WHERE p_at IS NULL
        UNION ALL
        SELECT (jsonb_populate_record(NULL::register.assignments, j)).* FROM audit.rows_as_at('assignments', p_at) j WHERE p_at IS NOT NULL
    $$;
CREATE FUNCTION register.evidence_at(p_at text) RETURNS SETOF register.evidence
    LANGUAGE sql STABLE
    AS $$
        SELECT * FROM register.evidence WHERE p_at IS NULL
        UNION ALL
        SELECT (jsonb_populate_record(NULL::register.evidence, j)).* FROM audit.rows_as_at('evidence', p_at) j WHERE p_at IS NOT NULL
    $$;
CREATE FUNCTION register.evidence_files_at(p_at text) RETURNS SETOF register.evidence_files
    LANGUAGE sql STABLE
    AS $$
        SELECT * FROM register.evidence_files WHERE p_at IS NULL
        UNION ALL
        SELECT (jsonb_populate_record(NULL::register.evidence_files, j)).* FROM audit.rows_as_at('evidence_files', p_at) j WHERE p_at IS NOT NULL
    $$;
CREATE FUNCTION register.evidence_decisions_at(p_at text) RETURNS SETOF register.evidence_decisions
    LANGUAGE sql STABLE
    AS $$
        SELECT * FROM register.evidence_decisions WHERE p_at IS NULL
        UNION ALL
        SELECT (jsonb_populate_record(NULL::register.evidence_decisions, j)).* FROM audit.rows_as_at('evidence_decisions', p_at) j WHERE p_at IS NOT NULL
    $$;
CREATE FUNCTION register.recommendation_transitions_at(p_at text) RETURNS SETOF register.recommendation_transitions
    LANGUAGE sql STABLE
    AS $$
        SELECT * FROM register.recommendation_transitions WHERE p_at IS NULL
        UNION ALL
        SELECT (jsonb_populate_record(NULL::register.recommendation_transitions, j)).* FROM audit.rows_as_at('recommendation_transitions', p_at) j
        WHERE p_at IS NOT NULL
    $$;

-- Full-text search over findings (reviews and recommendations carry their own search columns).
CREATE FUNCTION register.finding_search(text text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT to_tsvector('english', coalesce(text, '')) $$;
CREATE INDEX findings_search ON register.findings USING gin (register.finding_search(text));

GRANT EXECUTE ON FUNCTION register.partners_at(text), register.assignments_at(text), register.evidence_at(text),
    register.evidence_files_at(text), register.evidence_decisions_at(text), register.recommendation_transitions_at(text),
    register.finding_search(text)
    TO register_app, register_auditor;

-- Text made safe for HTML before ts_headline marks the matched words with <mark>.
CREATE FUNCTION register.html_escape(t text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT replace(replace(replace(replace(coalesce(t, ''), '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;') $$;
GRANT EXECUTE ON FUNCTION register.html_escape(text) TO register_app, register_auditor;
