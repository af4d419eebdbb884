-- Late work the planner can see into (issue 16: the overdue recommendations page).
--
-- A live recommendation's `overdue` flag (0009, within a partner's reach since 0013) asked
-- `register.has_overdue_work(recommendation, on, partner)` for each row a list reached before it had a
-- page. That function's body is `SELECT EXISTS (…)`: a scalar SQL function with a subquery, which
-- PostgreSQL never inlines, so every row paid a call of the SQL-function executor (a few microseconds
-- each, set up and torn down per call). On the generated register's overdue page, 98 such calls for 51
-- rows were 0.67 ms of the statement's 0.93 ms (pgbench, one client, the statement planned once).
--
-- From here the rule's last part is a set-returning SQL function: `register.late_work` returns the
-- ids of a live recommendation's overdue assignments, within a partner's reach when one is given. A
-- SQL function that returns a set, from one SELECT, STABLE, neither STRICT nor SECURITY DEFINER and
-- with no SET clause, is inlined where it is read in a FROM clause, so its query joins the statement
-- that reads it and reaches `assignments_one_per_partner` with no call at all. The service asks
-- `(SELECT true FROM register.late_work(x.id, on, partner) LIMIT 1)` as `recommendation_overdue`'s
-- `late_work` argument (RecommendationStore, one place): the same answer as the EXISTS (null, which
-- the rule reads as false, when there is none), and the LIMIT keeps it a subquery run for each row
-- it is needed for. (Written as EXISTS inside the rule's OR, PostgreSQL turned it into one hashed pass
-- over every assignment, 16.9 ms for the same page.) The page took 0.55 ms instead of 0.93.
--
-- `has_overdue_work` is dropped: the service no longer calls it, and the rule keeps one definition.
-- Servers of the previous version call it, so restart them after migrating (README, `migrate`).

CREATE FUNCTION register.late_work(p_recommendation uuid, p_on date, p_partner uuid) RETURNS SETOF uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
        SELECT a.id FROM register.assignments a
        WHERE a.recommendation_id = p_recommendation
          AND (p_partner IS NULL OR a.partner_id = p_partner)
          AND register.assignment_overdue(a.status, a.due_date, p_on)
    $$;

COMMENT ON FUNCTION register.late_work(uuid, date, uuid) IS
    'The overdue assignments of a live recommendation on a day, within a partner''s reach when one is given (every partner''s when null); inlined where read in FROM.';

GRANT EXECUTE ON FUNCTION register.late_work(uuid, date, uuid) TO register_app, register_auditor;

DROP FUNCTION register.has_overdue_work(uuid, date, uuid);
