-- Several servers on one database (issue 16, point 5): the uploads a person is sending at once are
-- counted here, across every server, rather than in each server's memory.
--
-- * auth.upload_places: one row per upload a signed-in person is sending now (evidence, an answer's
--   files, a review's document), taken before its first byte is read and deleted when it ends. A
--   person may hold `EvidenceUpload.maxPerPerson` (3) at once, whichever servers receive them; the
--   count is taken under a transaction-scoped advisory lock on the person, so two servers claiming
--   the last place at the same moment cannot both have it.
-- * A place lasts until `expires_at`, which the server holding it moves 30 seconds on every 10
--   seconds while the upload runs. A server that dies mid-upload (kill -9, a lost machine) stops
--   moving it, and its places lapse within half a minute, so nobody is shut out for long.
-- * Each server's own limit on uploads at once (16, the disk its temporary folder can spare) stays
--   in that server's memory: it guards that machine, not the register.
--
-- Not register data: nothing here is audited (the upload's record, once stored, is), and rows live
-- for minutes.

CREATE TABLE auth.upload_places (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES register.users (id) ON DELETE CASCADE,
    taken_at   timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    CHECK (expires_at > taken_at)
);
CREATE INDEX upload_places_user ON auth.upload_places (user_id, expires_at);
REVOKE TRUNCATE ON auth.upload_places FROM register_app;
