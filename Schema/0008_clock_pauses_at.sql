-- Learning Register: clock pauses as they stood at a moment, so that a clocks report "as at" a past
-- day counts only the pauses recorded by then, and their ends as known then (rebuilt from the audit
-- trail when p_at is given, the live table otherwise), as 0002 and 0006 do for the other tables.

CREATE FUNCTION register.clock_pauses_at(p_at text) RETURNS SETOF register.clock_pauses
    LANGUAGE sql STABLE
    AS $$
        SELECT * FROM register.clock_pauses WHERE p_at IS NULL
        UNION ALL
        SELECT (jsonb_populate_record(NULL::register.clock_pauses, j)).* FROM audit.rows_as_at('clock_pauses', p_at) j WHERE p_at IS NOT NULL
    $$;
GRANT EXECUTE ON FUNCTION register.clock_pauses_at(text) TO register_app, register_auditor;
