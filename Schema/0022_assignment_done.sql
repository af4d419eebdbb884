-- "Done with" defined once, as "overdue" is (migration 9). Since migration 20 an assignment is done
-- with when its work was accepted or when an imported tracker recorded it complete (closed without
-- evidence); queries that still asked `status <> 'accepted'` listed such work as due, moved it when
-- a partner's work was handed on, and reminded partners of it every day. They ask this instead; the
-- domain's `AssignmentStatus.isClosed` is the same rule for the code.
CREATE FUNCTION register.assignment_done(p_status text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT p_status IN ('accepted', 'closed_without_evidence') $$;
GRANT EXECUTE ON FUNCTION register.assignment_done(text) TO register_app, register_auditor;

CREATE OR REPLACE FUNCTION register.assignment_overdue(p_status text, p_due_date date, p_on date) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT NOT register.assignment_done(p_status) AND p_due_date < p_on $$;
