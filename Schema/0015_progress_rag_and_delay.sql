-- Progress as boards report it (issue 13, point 3).
--
-- * A progress update carries a RAG rating: red, amber, green, or blue (complete). A red or amber
--   update says when the work will be back on track or done (`forecast_date`) and why it is not on
--   track (`rag_reason`); a green or blue one carries neither. Updates recorded before ratings
--   existed, and the notes the register writes itself (a coordinator reopening work), have none:
--   the service requires a rating on every update a person sends, the database keeps the pairing.
--   Updates stay insert-only (migration 3); these columns are filled once, on insert.
-- * An assignment can be marked delayed, with a reason and the date the work is now expected, and
--   the delay cleared again. Who marked it and when are kept on the row (and every change is in the
--   audit trail, which the assignments table already feeds).
-- * "The latest update" of an assignment, as at a moment, is defined once here
--   (`register.latest_updates`), for the compliance report and the reporting-period report.

ALTER TABLE register.progress_updates
    ADD COLUMN rag           text CHECK (rag IN ('red', 'amber', 'green', 'blue')),
    ADD COLUMN forecast_date date,
    ADD COLUMN rag_reason    text CHECK (length(rag_reason) BETWEEN 1 AND 5000),
    -- Not on track: when it will be, and why not.
    ADD CONSTRAINT progress_updates_off_track_explained
        CHECK (rag IS NULL OR rag NOT IN ('red', 'amber') OR (forecast_date IS NOT NULL AND rag_reason IS NOT NULL)),
    -- A forecast and a reason belong to a rating that is not on track.
    ADD CONSTRAINT progress_updates_forecast_only_off_track
        CHECK ((forecast_date IS NULL AND rag_reason IS NULL) OR rag IN ('red', 'amber'));

ALTER TABLE register.assignments
    ADD COLUMN delay_reason        text CHECK (length(delay_reason) BETWEEN 1 AND 5000),
    ADD COLUMN delay_expected_date date,
    ADD COLUMN delay_recorded_by   text CHECK (length(delay_recorded_by) BETWEEN 1 AND 200),
    ADD COLUMN delay_recorded_at   timestamptz,
    -- Delayed means all four; not delayed means none.
    ADD CONSTRAINT assignments_delay_complete CHECK (
        (delay_reason IS NULL) = (delay_expected_date IS NULL)
        AND (delay_reason IS NULL) = (delay_recorded_by IS NULL)
        AND (delay_reason IS NULL) = (delay_recorded_at IS NULL)),
    -- Accepted work is done: it is not delayed.
    ADD CONSTRAINT assignments_delay_not_when_accepted CHECK (delay_reason IS NULL OR status <> 'accepted');

-- Progress updates as they stood at a moment (rebuilt from the audit trail), as 0006 does for the
-- other tables of partners' work.
CREATE FUNCTION register.progress_updates_at(p_at text) RETURNS SETOF register.progress_updates
    LANGUAGE sql STABLE
    AS $$
        SELECT * FROM register.progress_updates WHERE p_at IS NULL
        UNION ALL
        SELECT (jsonb_populate_record(NULL::register.progress_updates, j)).* FROM audit.rows_as_at('progress_updates', p_at) j
        WHERE p_at IS NOT NULL
    $$;

-- Each assignment's latest progress update as at a moment (live when null): the one about the
-- latest day, the last recorded among those about the same day. Its rating is the assignment's RAG.
CREATE FUNCTION register.latest_updates(p_at text)
    RETURNS TABLE (assignment_id uuid, id uuid, happened_on date, text text, rag text, forecast_date date, rag_reason text)
    LANGUAGE sql STABLE
    AS $$
        SELECT DISTINCT ON (u.assignment_id) u.assignment_id, u.id, u.happened_on, u.text, u.rag, u.forecast_date, u.rag_reason
        FROM register.progress_updates_at(p_at) u
        ORDER BY u.assignment_id, u.happened_on DESC, u.id DESC
    $$;

GRANT EXECUTE ON FUNCTION register.progress_updates_at(text), register.latest_updates(text) TO register_app, register_auditor;
