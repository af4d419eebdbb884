-- Learning Register: "overdue" defined once, here, and used by every list, filter, report, summary
-- figure and dashboard (the Swift code reads the result, it never works it out again).
--
-- An assignment is overdue on a day when it is not accepted and its due date is before that day.
-- A recommendation is overdue on a day when it is still open or in progress and either its target
-- date is before that day or one of its assignments is overdue. Both are judged against a day the
-- caller gives (today in the UK, or the "as at" day of a report), never the server's clock.

CREATE FUNCTION register.assignment_overdue(p_status text, p_due_date date, p_on date) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT p_status <> 'accepted' AND p_due_date < p_on $$;

-- `p_late_work`: whether one of the recommendation's assignments is overdue on that day (the caller
-- finds it from the assignments as they stood then, live or rebuilt from the trail).
CREATE FUNCTION register.recommendation_overdue(p_status text, p_target_date date, p_late_work boolean, p_on date) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT p_status IN ('open', 'in_progress') AND (coalesce(p_target_date < p_on, false) OR coalesce(p_late_work, false)) $$;

-- Whether a live recommendation has overdue work today: the late-work argument for live reads.
CREATE FUNCTION register.has_overdue_work(p_recommendation uuid, p_on date) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
        SELECT EXISTS (SELECT 1 FROM register.assignments a
                       WHERE a.recommendation_id = p_recommendation AND register.assignment_overdue(a.status, a.due_date, p_on))
    $$;

GRANT EXECUTE ON FUNCTION register.assignment_overdue(text, date, date) TO register_app, register_auditor;
GRANT EXECUTE ON FUNCTION register.recommendation_overdue(text, date, boolean, date) TO register_app, register_auditor;
GRANT EXECUTE ON FUNCTION register.has_overdue_work(uuid, date) TO register_app, register_auditor;

-- Forms the web pages have received, by the one-time key each form carries, so a form sent twice
-- (a double click, a resubmitted page) acts once. Not register data: nothing here is audited, and
-- keys older than a day are removed as new ones arrive.
CREATE TABLE auth.form_submissions (
    form_key    uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES register.users (id) ON DELETE CASCADE,
    received_at timestamptz NOT NULL DEFAULT now(),
    -- Where the first submission led, once it succeeded: the second is sent there too.
    outcome     text
);
CREATE INDEX form_submissions_received ON auth.form_submissions (received_at);
