-- Recurring lessons: what the similarity costs on a large register (README, BENCHMARKS.md).
-- Run as the owner on a scratch database holding the register's schema and many recommendations
-- (for example /tmp-generated ones: see BENCHMARKS.md "Recurring lessons" for the generator used):
--   psql "$URL" -X -f scripts/bench-recurring.sql
\timing on
SET app.actor = 'bench'; SET app.request_id = 'bench';
SELECT count(*) AS recommendations FROM register.recommendations;
-- 1. The learning view's unbounded search ("Recommendations like this one", top 20), one recommendation.
SELECT count(*) FROM register.recommendation_neighbours((SELECT id FROM register.recommendations ORDER BY id LIMIT 1 OFFSET 1000), 20);
-- 2. The bounded search recording runs (alike only, at most 10), over 20 recommendations.
SELECT count(*) FROM (SELECT id FROM register.recommendations ORDER BY id LIMIT 20 OFFSET 5000) x
    CROSS JOIN LATERAL register.recommendation_neighbours(x.id, 10, register.recommendations_alike_from()) n;
-- 3. Recording three much-alike recommendations in three reviews (the trigger keeps their pairs).
BEGIN;
INSERT INTO register.recommendations (id, review_id, number, text, scope)
SELECT gen_random_uuid(), r.id, 'L' || row_number() OVER (),
       'Partners agree a protocol for sharing police domestic incident notifications with health visitors within 48 hours.', 'local'
FROM (SELECT id FROM register.reviews ORDER BY id LIMIT 3) r;
SELECT count(*) AS pairs_kept FROM learning.likeness;
ROLLBACK;
-- 4. The list's one pass over the kept pairs (its first query), with 20,000 made-up pairs.
BEGIN;
INSERT INTO learning.likeness (recommendation_id, like_id, score)
SELECT a.id, b.id, 0.5 FROM (SELECT id, row_number() OVER (ORDER BY id) n FROM register.recommendations) a
JOIN (SELECT id, row_number() OVER (ORDER BY id DESC) n FROM register.recommendations) b ON a.n = b.n
WHERE a.n % 10 = 0 AND a.id <> b.id ON CONFLICT DO NOTHING;
ANALYZE learning.likeness;
SELECT count(*) FROM (
    SELECT l.recommendation_id, xa.review_id, register.review_year(ra.decision_on, ra.notified_on, ra.published_on, ra.created_at),
           l.like_id, xb.review_id, register.review_year(rb.decision_on, rb.notified_on, rb.published_on, rb.created_at)
    FROM learning.likeness l
    JOIN register.recommendations xa ON xa.id = l.recommendation_id JOIN register.reviews ra ON ra.id = xa.review_id
    JOIN register.recommendations xb ON xb.id = l.like_id JOIN register.reviews rb ON rb.id = xb.review_id
    WHERE register.recommendation_answers_theme(xa.id, ra.themes, 'information_sharing')
      AND register.recommendation_answers_theme(xb.id, rb.themes, 'information_sharing')) pairs;
ROLLBACK;
