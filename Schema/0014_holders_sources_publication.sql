-- Learning Register: who can hold an action, what recommendations come from, and how long a
-- published report stays online.
--
-- 1. Holders. Until now only a partner organisation could hold an assignment, so a recommendation
--    addressed to the partnership itself ("The LSCB to ensure…", "The Board to co-ordinate a task
--    and finish group…") could never be assured. A holder is now a partner organisation, the
--    partnership's own business unit, or a named subgroup of it (a task-and-finish group, say). The
--    partnership's holders belong to one board and have the sector `partnership`. They stay rows of
--    register.partners, so assignments, updates, evidence, provenance, shares, reports and the
--    partner's reach work on them unchanged; their members are the partner-role users attached to them.
--
-- 2. Sources. Improvement plans, inspection action plans, thematic audits and scrutiny inquiries
--    are recorded beside reviews, as rows of register.reviews with kinds of their own and the regime
--    `local` (no statutory guidance, so no deadline rule and no clock). Everything that hangs from a
--    review — recommendations, assignments, evidence, reports, the learning view, the trail — hangs
--    from them the same way. Their life is shorter: in progress, monitoring, closed.
--
-- 3. Publication. A review whose report is late records why and when it is now expected. A published
--    report must stay online for a time the guidance sets: the rule is data (publication_rules, with
--    its source), and the day a report may come down is recorded on the review when it is published,
--    so a later change of rule never rewrites what was recorded. The day it was taken down is kept too.

-- 1. Holders ------------------------------------------------------------------------------------

ALTER TABLE register.partners
    ADD COLUMN kind text NOT NULL DEFAULT 'organisation'
        CHECK (kind IN ('organisation', 'business_unit', 'subgroup')),
    ADD COLUMN board_id uuid REFERENCES register.boards (id),
    ADD COLUMN remit text CHECK (length(remit) <= 2000);

ALTER TABLE register.partners DROP CONSTRAINT partners_sector_check;
ALTER TABLE register.partners ADD CONSTRAINT partners_sector_check CHECK (
    sector IN ('police', 'health', 'local_authority', 'education', 'probation', 'voluntary', 'other', 'partnership'));
-- The partnership's own holders belong to a board and are of the sector `partnership`; an
-- organisation belongs to no board and is of any other sector.
ALTER TABLE register.partners ADD CONSTRAINT partners_partnership_holders CHECK (
    (kind = 'organisation') = (board_id IS NULL)
    AND (kind = 'organisation') = (sector <> 'partnership'));
-- One business unit per partnership.
CREATE UNIQUE INDEX partners_one_business_unit ON register.partners (board_id) WHERE kind = 'business_unit';
CREATE INDEX partners_board ON register.partners (board_id, id) WHERE board_id IS NOT NULL;

-- 2. Sources ------------------------------------------------------------------------------------

ALTER TABLE register.reviews DROP CONSTRAINT reviews_kind_check;
ALTER TABLE register.reviews ADD CONSTRAINT reviews_kind_check CHECK (kind IN (
    'scr', 'rapid_review', 'lcspr', 'national_review', 'sar', 'dhr', 'learning_review',
    'improvement_plan', 'inspection_action_plan', 'thematic_audit', 'scrutiny_inquiry'));
ALTER TABLE register.reviews DROP CONSTRAINT reviews_regime_check;
ALTER TABLE register.reviews ADD CONSTRAINT reviews_regime_check CHECK (regime IN (
    'wt2010', 'wt2013', 'wt2015', 'wt2018', 'wt2023', 'care_act_2014', 'dhr_2016', 'dhr_2024', 'local'));

CREATE FUNCTION register.is_review_kind(kind text) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog
    AS $$ SELECT kind IN ('scr', 'rapid_review', 'lcspr', 'national_review', 'sar', 'dhr', 'learning_review') $$;
GRANT EXECUTE ON FUNCTION register.is_review_kind(text) TO register_app, register_auditor;

-- A source other than a review is held under no statutory guidance, and lives in three states.
ALTER TABLE register.reviews ADD CONSTRAINT reviews_sources_local CHECK (
    register.is_review_kind(kind) OR regime = 'local');
ALTER TABLE register.reviews ADD CONSTRAINT reviews_local_regime CHECK (
    regime <> 'local' OR kind NOT IN ('scr', 'rapid_review', 'lcspr', 'national_review', 'sar', 'dhr'));
ALTER TABLE register.reviews ADD CONSTRAINT reviews_sources_statuses CHECK (
    register.is_review_kind(kind) OR status IN ('in_progress', 'monitoring', 'closed'));

-- 3. Publication --------------------------------------------------------------------------------

-- How long a published report must stay online, per guidance regime and kind of review.
CREATE TABLE register.publication_rules (
    regime text NOT NULL CHECK (regime IN ('wt2010', 'wt2013', 'wt2015', 'wt2018', 'wt2023', 'care_act_2014', 'dhr_2016', 'dhr_2024', 'local')),
    kinds  text[] NOT NULL CHECK (cardinality(kinds) > 0
               AND kinds <@ ARRAY['scr', 'rapid_review', 'lcspr', 'national_review', 'sar', 'dhr', 'learning_review']),
    months integer NOT NULL CHECK (months BETWEEN 1 AND 600),
    source text NOT NULL CHECK (length(source) BETWEEN 1 AND 1000),
    notes  text CHECK (length(notes) <= 2000),
    PRIMARY KEY (regime)
);
INSERT INTO register.publication_rules (regime, kinds, months, source, notes) VALUES
    ('wt2010', '{scr}', 12, 'Working Together to Safeguard Children 2010',
     'Serious case review reports stay on the board''s website for at least 12 months.'),
    ('wt2013', '{scr}', 12, 'Working Together to Safeguard Children 2013',
     'Serious case review reports stay on the board''s website for at least 12 months.'),
    ('wt2015', '{scr}', 12, 'Working Together to Safeguard Children 2015',
     'Serious case review reports stay on the board''s website for at least 12 months.'),
    ('wt2018', '{lcspr}', 12, 'Working Together to Safeguard Children 2018',
     'Local child safeguarding practice review reports stay online for at least 1 year.'),
    ('wt2023', '{lcspr}', 12, 'Working Together to Safeguard Children 2023',
     'Local child safeguarding practice review reports stay online for at least 1 year.');
-- Safeguarding adults reviews, domestic homicide reviews, national and learning reviews: no period
-- is recorded here, so no date is set; a partnership adds a row when its guidance sets one.
-- Audited from here on (the rows above are part of the schema, as the deadline rules are).
SELECT register.attach_audit('register.publication_rules');

ALTER TABLE register.reviews
    ADD COLUMN publication_delay_reason text CHECK (length(publication_delay_reason) <= 5000),
    ADD COLUMN publication_expected_on  date,
    ADD COLUMN online_until             date,
    ADD COLUMN taken_down_on            date,
    ADD CONSTRAINT reviews_delay_with_reason CHECK (
        (publication_delay_reason IS NULL) = (publication_expected_on IS NULL)),
    ADD CONSTRAINT reviews_taken_down_after_publication CHECK (
        taken_down_on IS NULL OR (published_on IS NOT NULL AND taken_down_on >= published_on));
CREATE INDEX reviews_online_until ON register.reviews (online_until, id) WHERE online_until IS NOT NULL AND taken_down_on IS NULL;

-- The day a published report may come down, under the rule of the review's regime and kind.
CREATE FUNCTION register.online_until(p_regime text, p_kind text, p_published_on date) RETURNS date
    LANGUAGE sql STABLE
    SET search_path = pg_catalog
    AS $$
        SELECT (p_published_on + make_interval(months => r.months))::date
        FROM register.publication_rules r
        WHERE r.regime = p_regime AND p_kind = ANY (r.kinds) AND p_published_on IS NOT NULL
    $$;
GRANT EXECUTE ON FUNCTION register.online_until(text, text, date) TO register_app, register_auditor;

-- Recorded when the publication date is set or changed, from the rule then in force.
CREATE FUNCTION register.record_online_until() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog
    AS $$
    BEGIN
        IF TG_OP = 'INSERT' OR NEW.published_on IS DISTINCT FROM OLD.published_on
           OR NEW.regime IS DISTINCT FROM OLD.regime OR NEW.kind IS DISTINCT FROM OLD.kind THEN
            NEW.online_until := register.online_until(NEW.regime, NEW.kind, NEW.published_on);
        END IF;
        RETURN NEW;
    END
    $$;
CREATE TRIGGER reviews_online_until BEFORE INSERT OR UPDATE ON register.reviews
    FOR EACH ROW EXECUTE FUNCTION register.record_online_until();

-- Reports already published get their date from today's rules (the trail records this change).
UPDATE register.reviews SET online_until = register.online_until(regime, kind, published_on)
WHERE published_on IS NOT NULL;
