-- Learning Register: the register itself.
--
-- Roles (created by scripts/postgres or Docker/initdb before the first migration):
--   register_owner   runs migrations and owns every table here
--   register_app     the running service: DML on register and auth, owns nothing
--   register_auditor read-only access to the register
-- Every domain table lives in schema "register"; credentials live in schema "auth" so that
-- password hashes and session tokens never reach the audit trail.

CREATE SCHEMA register;
CREATE SCHEMA auth;

REVOKE ALL ON SCHEMA register, auth FROM PUBLIC;
GRANT USAGE ON SCHEMA register TO register_app, register_auditor;
GRANT USAGE ON SCHEMA auth TO register_app;

-- New tables get their grants without each migration having to remember them.
ALTER DEFAULT PRIVILEGES IN SCHEMA register GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO register_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA register GRANT SELECT ON TABLES TO register_auditor;
ALTER DEFAULT PRIVILEGES IN SCHEMA auth GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO register_app;

-- Learning themes: an editable taxonomy (DOMAIN.md).
CREATE TABLE register.themes (
    code   text PRIMARY KEY CHECK (code ~ '^[a-z0-9_]+$' AND length(code) <= 60),
    label  text NOT NULL CHECK (length(label) BETWEEN 1 AND 120),
    active boolean NOT NULL DEFAULT true
);

INSERT INTO register.themes (code, label) VALUES
    ('neglect', 'Neglect'),
    ('domestic_abuse', 'Domestic abuse'),
    ('child_sexual_exploitation', 'Child sexual exploitation'),
    ('child_criminal_exploitation', 'Child criminal exploitation'),
    ('online_harm', 'Online harm'),
    ('physical_abuse', 'Physical abuse'),
    ('sexual_abuse', 'Sexual abuse'),
    ('emotional_abuse', 'Emotional abuse'),
    ('parental_mental_health', 'Parental mental health'),
    ('parental_substance_misuse', 'Parental substance misuse'),
    ('information_sharing', 'Information sharing'),
    ('multi_agency_working', 'Multi-agency working'),
    ('risk_assessment', 'Risk assessment'),
    ('voice_of_the_child', 'Voice of the child'),
    ('professional_curiosity', 'Professional curiosity'),
    ('escalation', 'Escalation'),
    ('transitions', 'Transitions'),
    ('disability', 'Disability'),
    ('race_and_ethnicity', 'Race and ethnicity'),
    ('adolescent_risk', 'Adolescent risk'),
    ('self_harm_and_suicide', 'Self-harm and suicide'),
    ('safe_sleep', 'Safe sleep'),
    ('non_accidental_injury_in_infants', 'Non-accidental injury in infants'),
    ('education', 'Education (exclusion, elective home education)'),
    ('housing', 'Housing'),
    ('covid_19', 'COVID-19');

-- Theme codes are kept in arrays on the rows they describe (so one audit event holds the whole
-- row); this check keeps every element a known code.
CREATE FUNCTION register.unknown_themes(codes text[]) RETURNS text[]
    LANGUAGE sql STABLE
    SET search_path = pg_catalog
    AS $$
        SELECT coalesce(array_agg(c ORDER BY c), '{}')
        FROM unnest(codes) AS c
        WHERE NOT EXISTS (SELECT 1 FROM register.themes t WHERE t.code = c)
    $$;

CREATE FUNCTION register.check_themes() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog
    AS $$
    DECLARE
        unknown text[] := register.unknown_themes(NEW.themes);
    BEGIN
        IF cardinality(unknown) > 0 THEN
            RAISE EXCEPTION 'unknown theme: %', array_to_string(unknown, ', ')
                USING ERRCODE = '23514', CONSTRAINT = 'themes_known';
        END IF;
        RETURN NEW;
    END
    $$;

-- What full-text search reads of a review and of a recommendation. Functions, so that rows
-- rebuilt from the audit trail (which leaves the vectors out) can be searched the same way.
CREATE FUNCTION register.review_search(reference text, title text, subjects text, lead_reviewer text, summary text)
    RETURNS tsvector
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog
    AS $$
        SELECT setweight(to_tsvector('english'::regconfig, reference || ' ' || title), 'A')
            || setweight(to_tsvector('english'::regconfig, coalesce(subjects, '') || ' ' || coalesce(lead_reviewer, '')), 'B')
            || setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'C')
    $$;

CREATE FUNCTION register.recommendation_search(number text, text text, addressee text)
    RETURNS tsvector
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog
    AS $$
        SELECT setweight(to_tsvector('english'::regconfig, number), 'A')
            || setweight(to_tsvector('english'::regconfig, text), 'B')
            || setweight(to_tsvector('english'::regconfig, coalesce(addressee, '')), 'C')
    $$;

CREATE TABLE register.boards (
    id         uuid PRIMARY KEY,
    code       text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]*$' AND length(code) <= 40),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind       text NOT NULL CHECK (kind IN ('children_partnership', 'adults_board', 'community_safety_partnership', 'lscb')),
    area       text CHECK (length(area) <= 200),
    active     boolean NOT NULL DEFAULT true,
    version    integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE register.reviews (
    id                        uuid PRIMARY KEY,
    reference                 text NOT NULL CHECK (length(reference) BETWEEN 1 AND 40),
    title                     text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    kind                      text NOT NULL CHECK (kind IN ('scr', 'rapid_review', 'lcspr', 'national_review', 'sar', 'dhr', 'learning_review')),
    board_id                  uuid NOT NULL REFERENCES register.boards (id),
    regime                    text NOT NULL CHECK (regime IN ('wt2010', 'wt2013', 'wt2015', 'wt2018', 'wt2023', 'care_act_2014', 'dhr_2016', 'dhr_2024')),
    subjects                  text CHECK (length(subjects) <= 500),
    summary                   text CHECK (length(summary) <= 20000),
    themes                    text[] NOT NULL DEFAULT '{}',
    incident_known_on         date,
    notified_on               date,
    rapid_review_due_on       date,
    rapid_review_completed_on date,
    decision_on               date,
    published_on              date,
    publication_url           text CHECK (publication_url ~* '^https?://' AND length(publication_url) <= 2000),
    closed_on                 date,
    lead_reviewer             text CHECK (length(lead_reviewer) <= 200),
    parent_review_id          uuid REFERENCES register.reviews (id),
    status                    text NOT NULL DEFAULT 'notified'
                              CHECK (status IN ('notified', 'rapid_review', 'commissioned', 'in_progress', 'published',
                                                'not_published_with_reason', 'monitoring', 'closed')),
    status_reason             text CHECK (length(status_reason) <= 5000),
    version                   integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now(),
    search                    tsvector GENERATED ALWAYS AS (
                                  register.review_search(reference, title, subjects, lead_reviewer, summary)) STORED,
    CONSTRAINT reviews_reference_unique UNIQUE (reference),
    CONSTRAINT reviews_not_own_parent CHECK (parent_review_id <> id),
    CONSTRAINT reviews_reason_when_not_published CHECK (status <> 'not_published_with_reason' OR status_reason IS NOT NULL),
    CONSTRAINT reviews_dates_in_order CHECK (
        (notified_on IS NULL OR incident_known_on IS NULL OR notified_on >= incident_known_on)
        AND (published_on IS NULL OR decision_on IS NULL OR published_on >= decision_on))
);
CREATE INDEX reviews_board ON register.reviews (board_id, id);
CREATE INDEX reviews_status ON register.reviews (status, id);
CREATE INDEX reviews_themes ON register.reviews USING gin (themes);
CREATE INDEX reviews_search ON register.reviews USING gin (search);
CREATE INDEX reviews_parent ON register.reviews (parent_review_id) WHERE parent_review_id IS NOT NULL;
CREATE TRIGGER reviews_themes_known BEFORE INSERT OR UPDATE OF themes ON register.reviews
    FOR EACH ROW EXECUTE FUNCTION register.check_themes();

-- Each lifecycle move, with its reason: the history a coordinator reads back.
CREATE TABLE register.review_transitions (
    id          uuid PRIMARY KEY,
    review_id   uuid NOT NULL REFERENCES register.reviews (id),
    from_status text NOT NULL,
    to_status   text NOT NULL,
    reason      text CHECK (length(reason) <= 5000),
    happened_on date NOT NULL,
    actor       text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX review_transitions_review ON register.review_transitions (review_id, id);

CREATE TABLE register.core_questions (
    id         uuid PRIMARY KEY,
    review_id  uuid NOT NULL REFERENCES register.reviews (id),
    position   integer NOT NULL CHECK (position > 0),
    text       text NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
    version    integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT core_questions_id_review UNIQUE (id, review_id),
    CONSTRAINT core_questions_position UNIQUE (review_id, position) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE register.findings (
    id         uuid PRIMARY KEY,
    review_id  uuid NOT NULL REFERENCES register.reviews (id),
    position   integer NOT NULL CHECK (position > 0),
    text       text NOT NULL CHECK (length(text) BETWEEN 1 AND 10000),
    themes     text[] NOT NULL DEFAULT '{}',
    version    integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT findings_id_review UNIQUE (id, review_id),
    CONSTRAINT findings_position UNIQUE (review_id, position) DEFERRABLE INITIALLY DEFERRED
);
CREATE TRIGGER findings_themes_known BEFORE INSERT OR UPDATE OF themes ON register.findings
    FOR EACH ROW EXECUTE FUNCTION register.check_themes();

-- A finding answers core questions of its own review only: the composite keys enforce it.
CREATE TABLE register.finding_questions (
    review_id   uuid NOT NULL,
    finding_id  uuid NOT NULL,
    question_id uuid NOT NULL,
    PRIMARY KEY (finding_id, question_id),
    FOREIGN KEY (finding_id, review_id) REFERENCES register.findings (id, review_id) ON DELETE CASCADE,
    FOREIGN KEY (question_id, review_id) REFERENCES register.core_questions (id, review_id) ON DELETE CASCADE
);
CREATE INDEX finding_questions_question ON register.finding_questions (question_id);

CREATE TABLE register.recommendations (
    id           uuid PRIMARY KEY,
    review_id    uuid NOT NULL REFERENCES register.reviews (id),
    number       text NOT NULL CHECK (length(number) BETWEEN 1 AND 10),
    text         text NOT NULL CHECK (length(text) BETWEEN 1 AND 10000),
    scope        text NOT NULL CHECK (scope IN ('local', 'regional', 'national')),
    addressee    text CHECK (length(addressee) <= 300),
    target_date  date,
    status       text NOT NULL DEFAULT 'open'
                 CHECK (status IN ('open', 'in_progress', 'implemented', 'assured', 'not_implemented', 'superseded')),
    closure_note text CHECK (length(closure_note) <= 5000),
    closed_on    date,
    version      integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    search       tsvector GENERATED ALWAYS AS (register.recommendation_search(number, text, addressee)) STORED,
    CONSTRAINT recommendations_id_review UNIQUE (id, review_id),
    CONSTRAINT recommendations_number_unique UNIQUE (review_id, number),
    CONSTRAINT recommendations_reason_when_refused CHECK (
        status NOT IN ('not_implemented', 'superseded') OR closure_note IS NOT NULL),
    CONSTRAINT recommendations_closed_on_when_closed CHECK (
        (status IN ('open', 'in_progress')) = (closed_on IS NULL))
);
CREATE INDEX recommendations_status ON register.recommendations (status, id);
CREATE INDEX recommendations_target ON register.recommendations (target_date, id);
CREATE INDEX recommendations_search ON register.recommendations USING gin (search);

CREATE TABLE register.recommendation_findings (
    review_id         uuid NOT NULL,
    recommendation_id uuid NOT NULL,
    finding_id        uuid NOT NULL,
    PRIMARY KEY (recommendation_id, finding_id),
    FOREIGN KEY (recommendation_id, review_id) REFERENCES register.recommendations (id, review_id) ON DELETE CASCADE,
    FOREIGN KEY (finding_id, review_id) REFERENCES register.findings (id, review_id) ON DELETE CASCADE
);
CREATE INDEX recommendation_findings_finding ON register.recommendation_findings (finding_id);

CREATE TABLE register.recommendation_transitions (
    id                uuid PRIMARY KEY,
    recommendation_id uuid NOT NULL REFERENCES register.recommendations (id),
    from_status       text NOT NULL,
    to_status         text NOT NULL,
    reason            text CHECK (length(reason) <= 5000),
    happened_on       date NOT NULL,
    actor             text NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recommendation_transitions_recommendation ON register.recommendation_transitions (recommendation_id, id);

-- People. No secret is kept here: passwords and tokens live in schema auth.
CREATE TABLE register.users (
    id         uuid PRIMARY KEY,
    email      text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    role       text NOT NULL CHECK (role IN ('admin', 'coordinator', 'partner', 'auditor')),
    active     boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_unique UNIQUE (email)
);

CREATE TABLE auth.passwords (
    user_id    uuid PRIMARY KEY REFERENCES register.users (id) ON DELETE CASCADE,
    bcrypt     text NOT NULL CHECK (bcrypt ~ '^\$2[aby]\$(1[2-9]|[23][0-9])\$'),
    changed_at timestamptz NOT NULL DEFAULT now()
);

-- Session cookies and API tokens are stored as SHA-256 digests only.
CREATE TABLE auth.sessions (
    token_sha256 bytea PRIMARY KEY CHECK (length(token_sha256) = 32),
    user_id      uuid NOT NULL REFERENCES register.users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_user ON auth.sessions (user_id);

CREATE TABLE auth.api_tokens (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES register.users (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    token_sha256 bytea NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_user ON auth.api_tokens (user_id, id);

GRANT EXECUTE ON FUNCTION register.unknown_themes(text[]) TO register_app, register_auditor;
