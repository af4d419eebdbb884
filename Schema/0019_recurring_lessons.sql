-- Recurring lessons (issue 13, point 7): groups of much the same recommendation made by different
-- reviews, and the earlier ones a new recommendation resembles.
--
-- * register.recommendation_neighbours: the similarity the learning view has used since migration 6
--   ("recommendations like this one"), now written once as a function: recommendations of OTHER
--   reviews sharing at least two word stems with this one, scored by the share of stems in common
--   (Jaccard, 0…1), closest first. LearningStore.similar reads it, and so does the list below.
-- * register.recommendations_alike_from: the bar a score must pass for two recommendations to count as
--   the same lesson. Defined here once (the API description and the README quote it).
-- * register.review_year: the year a review counts in for the learning view (that of its decision,
--   else its notification, publication or recording), as the themes table has counted it.
-- * register.recommendation_answers_theme: a theme of the recommendation's review, or of a finding it answers.
-- * learning.likeness: for each recommendation, its closest recommendations in other reviews (at
--   most 10) whose score passes the bar, kept by a trigger when a recommendation is recorded or its
--   words change. It is derived data, rebuilt from the recommendations' words at any time, so it sits
--   outside schema register and is not audited: the trail already holds the words it comes from.
--   Keeping it at write time bounds the work: recording costs one neighbour search, and the list of
--   recurring lessons reads the stored pairs (a few per recommendation) instead of comparing every
--   recommendation with every other on each request. The service cannot write it (the trigger's
--   function runs as the owner), so no client can make two lessons look alike.

-- With `at_least` above 0, only recommendations scoring at least that are wanted, and the search is
-- bounded the way set-similarity joins are ("prefix filtering"): a recommendation sharing at least
-- that share of stems (m = ceil(at_least * |A|) of them at least) must contain two of this one's
-- |A| - m + 2 rarest stems, asked of the index as "a & b | a & c | …" (rarity from the planner's
-- statistics of the search column; any order would be exact, the rarest keeps the index search
-- small), and its own count of stems lies between at_least * |A| and
-- |A| / at_least. The answer is the same as filtering the unbounded search by score; only the
-- work differs (on 200,000 recommendations: seconds unbounded, a fraction of one bounded; BENCHMARKS.md).
CREATE FUNCTION register.recommendation_neighbours(recommendation uuid, max_count integer, at_least double precision DEFAULT 0)
    RETURNS TABLE (id uuid, score double precision, terms text[])
    LANGUAGE sql STABLE
    SET search_path = pg_catalog
    AS $$
        WITH me AS (SELECT x.id, x.review_id, x.search FROM register.recommendations x WHERE x.id = recommendation),
        frequency AS (
            SELECT m.lexeme, m.share
            FROM pg_stats s, unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS m(lexeme, share)
            WHERE s.schemaname = 'register' AND s.tablename = 'recommendations' AND s.attname = 'search' AND m.lexeme IS NOT NULL),
        ranked AS (
            SELECT u.lexeme, row_number() OVER (ORDER BY coalesce(f.share, 0), u.lexeme) AS rarity, count(*) OVER () AS stems
            FROM me CROSS JOIN unnest(me.search) AS u(lexeme, positions, weights) LEFT JOIN frequency f ON f.lexeme = u.lexeme),
        terms AS (
            SELECT (SELECT array_agg(lexeme) FROM ranked) AS lexemes, (SELECT count(*) FROM ranked) AS stems,
                   CASE WHEN at_least <= 0 THEN (SELECT to_tsquery('simple', string_agg(quote_literal(lexeme), ' | ')) FROM ranked)
                   ELSE (SELECT to_tsquery('simple', string_agg(quote_literal(a.lexeme) || ' & ' || quote_literal(b.lexeme), ' | '))
                         FROM ranked a JOIN ranked b ON a.rarity < b.rarity
                         WHERE b.rarity <= a.stems - ceil(at_least * a.stems) + 2) END AS query)
        SELECT o.id, (s.shared::float8 / (cardinality(t.lexemes) + length(o.search) - s.shared))::float8 AS score, s.terms
        FROM me, terms t, register.recommendations o
        CROSS JOIN LATERAL (
            SELECT count(*)::int AS shared, array_agg(u.lexeme ORDER BY u.lexeme) AS terms
            FROM unnest(o.search) AS u(lexeme, positions, weights) WHERE u.lexeme = ANY(t.lexemes)) s
        WHERE t.lexemes IS NOT NULL AND o.review_id <> me.review_id AND o.search @@ t.query AND s.shared >= 2
          AND (at_least <= 0 OR length(o.search) BETWEEN ceil(at_least * t.stems) AND floor(t.stems / at_least))
          AND (s.shared::float8 / (cardinality(t.lexemes) + length(o.search) - s.shared)) >= at_least
        ORDER BY score DESC, o.id
        LIMIT max_count
    $$;

-- Nearly half the stems in common: "the same lesson". Recommendations of one theme share its vocabulary
-- (information, sharing, partners…) and score 0.1–0.3; the same recommendation reworded scores 0.5+.
CREATE FUNCTION register.recommendations_alike_from() RETURNS double precision
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog
    AS $$ SELECT 0.45::float8 $$;

-- These two carry no SET clause, so that the planner inlines them into the list's query (a SET clause
-- stops inlining, and a call per row of a large register costs seconds); every name in them is qualified.
CREATE FUNCTION register.review_year(decision_on date, notified_on date, published_on date, created_at timestamptz) RETURNS integer
    LANGUAGE sql STABLE
    AS $$ SELECT extract(year FROM COALESCE(decision_on, notified_on, published_on, created_at::date))::int $$;

-- Whether a recommendation answers a theme: its review's own, or that of a finding it answers.
CREATE FUNCTION register.recommendation_answers_theme(recommendation uuid, review_themes text[], theme text) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
        SELECT theme IS NULL OR review_themes @> ARRAY[theme] OR EXISTS (
            SELECT 1 FROM register.recommendation_findings rf JOIN register.findings fi ON fi.id = rf.finding_id
            WHERE rf.recommendation_id = recommendation AND fi.themes @> ARRAY[theme])
    $$;

GRANT EXECUTE ON FUNCTION register.recommendation_neighbours(uuid, integer, double precision), register.recommendations_alike_from(),
    register.review_year(date, date, date, timestamptz), register.recommendation_answers_theme(uuid, text[], text)
    TO register_app, register_auditor;

CREATE SCHEMA learning;
REVOKE ALL ON SCHEMA learning FROM PUBLIC;
GRANT USAGE ON SCHEMA learning TO register_app, register_auditor;

CREATE TABLE learning.likeness (
    recommendation_id uuid NOT NULL REFERENCES register.recommendations (id) ON DELETE CASCADE,
    like_id           uuid NOT NULL REFERENCES register.recommendations (id) ON DELETE CASCADE,
    score             double precision NOT NULL CHECK (score >= register.recommendations_alike_from() AND score <= 1),
    PRIMARY KEY (recommendation_id, like_id),
    CHECK (recommendation_id <> like_id)
);
CREATE INDEX likeness_like ON learning.likeness (like_id);
REVOKE ALL ON learning.likeness FROM PUBLIC;
GRANT SELECT ON learning.likeness TO register_app, register_auditor;

-- A recommendation's likeness is recomputed when it is recorded or its words change; pairs stored
-- from the other side go too (they were scored on the old words), and come back from this side's
-- search when still alike. The list joins both directions: a pair is a pair either way.
CREATE FUNCTION learning.refresh_likeness() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
    BEGIN
        DELETE FROM learning.likeness WHERE recommendation_id = NEW.id OR like_id = NEW.id;
        INSERT INTO learning.likeness (recommendation_id, like_id, score)
        SELECT NEW.id, n.id, n.score FROM register.recommendation_neighbours(NEW.id, 10, register.recommendations_alike_from()) n;
        RETURN NULL;
    END
    $$;
REVOKE ALL ON FUNCTION learning.refresh_likeness() FROM PUBLIC;

CREATE TRIGGER refresh_likeness AFTER INSERT OR UPDATE OF number, text, addressee ON register.recommendations
    FOR EACH ROW EXECUTE FUNCTION learning.refresh_likeness();

-- The recommendations already recorded.
INSERT INTO learning.likeness (recommendation_id, like_id, score)
SELECT x.id, n.id, n.score
FROM register.recommendations x CROSS JOIN LATERAL register.recommendation_neighbours(x.id, 10, register.recommendations_alike_from()) n;
