-- Reporting periods (issue 13, point 4).
--
-- * A monitoring body is who a partnership reports progress to: the board itself, one of its
--   subgroups, or a scrutiny committee. Each belongs to one board (partnership).
-- * A source (a review, or another source of recommendations) records which body monitors it
--   (`reviews.monitored_by`), a body of the same board.
-- * A quarterly (or any period's) progress report is computed from the audit trail as at both ends
--   of the period; it is not stored. What is stored is that it was presented: to whom, on which
--   day, for which body and period, and who recorded it. Presentations are never changed.

CREATE TABLE register.monitoring_bodies (
    id         uuid PRIMARY KEY,
    board_id   uuid NOT NULL REFERENCES register.boards (id),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind       text NOT NULL CHECK (kind IN ('board', 'subgroup', 'scrutiny_committee')),
    version    integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- Lets a review name a body together with its own board (below).
    CONSTRAINT monitoring_bodies_id_board UNIQUE (id, board_id)
);
CREATE UNIQUE INDEX monitoring_bodies_name ON register.monitoring_bodies (board_id, lower(name));

ALTER TABLE register.reviews ADD COLUMN monitored_by uuid;
-- A source is monitored by a body of its own partnership.
ALTER TABLE register.reviews ADD CONSTRAINT reviews_monitored_by_same_board
    FOREIGN KEY (monitored_by, board_id) REFERENCES register.monitoring_bodies (id, board_id);
CREATE INDEX reviews_monitored_by ON register.reviews (monitored_by) WHERE monitored_by IS NOT NULL;

-- "Presented to the Safeguarding Board on 12 October 2026".
CREATE TABLE register.period_presentations (
    id            uuid PRIMARY KEY,
    body_id       uuid NOT NULL REFERENCES register.monitoring_bodies (id),
    period_start  date NOT NULL,
    period_end    date NOT NULL,
    presented_to  text NOT NULL CHECK (length(presented_to) BETWEEN 1 AND 200),
    presented_on  date NOT NULL,
    note          text CHECK (length(note) BETWEEN 1 AND 5000),
    recorded_by   text NOT NULL CHECK (length(recorded_by) BETWEEN 1 AND 200),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (period_end >= period_start),
    -- A report is presented once its period has begun.
    CHECK (presented_on >= period_start)
);
CREATE INDEX period_presentations_body ON register.period_presentations (body_id, presented_on, id);
REVOKE UPDATE, DELETE, TRUNCATE ON register.period_presentations FROM register_app;
CREATE TRIGGER insert_only BEFORE UPDATE OR DELETE ON register.period_presentations
    FOR EACH ROW EXECUTE FUNCTION register.refuse_rewrite('presentations of reports');
ALTER TABLE register.period_presentations ENABLE ALWAYS TRIGGER insert_only;

SELECT register.attach_audit('register.monitoring_bodies');
SELECT register.attach_audit('register.period_presentations');
