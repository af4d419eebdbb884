-- Learning Register: "overdue" as a partner may see it.
--
-- A recommendation's `overdue` flag is rolled up from its assignments (0009). A partner user sees
-- only their own organisation's assignments, so a flag rolled up from everybody's would tell them
-- that another organisation is late: an oracle. For them the late work that counts is their own;
-- the recommendation's own target date (which they see) still counts as before. Staff, auditors
-- and reports pass no partner and get the flag of 0009 unchanged.

-- Whether a live recommendation has overdue work on `p_on` among the assignments of `p_partner`
-- (every partner's when null).
CREATE FUNCTION register.has_overdue_work(p_recommendation uuid, p_on date, p_partner uuid) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
        SELECT EXISTS (SELECT 1 FROM register.assignments a
                       WHERE a.recommendation_id = p_recommendation
                         AND (p_partner IS NULL OR a.partner_id = p_partner)
                         AND register.assignment_overdue(a.status, a.due_date, p_on))
    $$;

GRANT EXECUTE ON FUNCTION register.has_overdue_work(uuid, date, uuid) TO register_app, register_auditor;

-- The two-argument form of 0009 is this one with no partner: dropped, so the rule has one definition.
DROP FUNCTION register.has_overdue_work(uuid, date);
