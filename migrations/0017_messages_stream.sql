-- The live stream and the messages between Border Liaison Offices.
--
-- stream_entries holds everything a client follows live (messages and
-- their delivery states now; positions, alerts and hits later), each with
-- its audience. The service reads it as bw_app, so row-level security
-- decides who sees an entry: its owner agency, and the agencies in its
-- audience ('addressed'), or as events are shared ('bilateral' with a
-- partner whose agreement asks no coarsening, 'regional' with everyone).
--
-- Ordering. An identity id is taken at insert, not at commit, so a
-- transaction holding a lower id may commit after one holding a higher id,
-- and a reader resuming "after id N" would miss it. Entries are therefore
-- given a second number, seq, at commit: a deferred constraint trigger
-- takes a transaction-level advisory lock and numbers the transaction's
-- entries from stream_seq just before it commits. PostgreSQL makes a
-- transaction visible before it releases its locks, so the next writer
-- numbers its entries only after this one is visible: seqs become visible
-- in increasing order, and once a reader sees seq N every lower seq is
-- visible or never will be (a rolled-back writer leaves a gap). Resuming
-- after seq N therefore misses nothing and repeats nothing. The lock is
-- held only from the pre-commit trigger to the end of the commit.

CREATE SEQUENCE stream_seq;

CREATE TABLE stream_entries (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- seq orders entries by commit; NULL only until the writer commits.
  seq          bigint UNIQUE,
  type         text NOT NULL CHECK (type IN ('message', 'message_state', 'position', 'alert', 'hit')),
  owner_agency text NOT NULL REFERENCES agencies (id),
  sharing      text NOT NULL CHECK (sharing IN ('addressed', 'agency', 'bilateral', 'regional')),
  audience     text[] NOT NULL DEFAULT '{}',
  payload      jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (sharing <> 'addressed' OR cardinality(audience) > 0)
);
CREATE INDEX stream_entries_created_idx ON stream_entries (created_at);

CREATE FUNCTION bw_stream_sequence() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  -- One committer numbers at a time, until its commit is visible.
  PERFORM pg_advisory_xact_lock(727276);
  UPDATE stream_entries SET seq = nextval('stream_seq') WHERE id = NEW.id AND seq IS NULL;
  PERFORM pg_notify('bw_stream', '');
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER stream_entries_sequence AFTER INSERT ON stream_entries
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bw_stream_sequence();

-- bw_stream_head is the highest seq committed: every entry up to it that
-- will ever be visible is visible in the caller's snapshot.
CREATE FUNCTION bw_stream_head() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce(max(seq), 0) FROM stream_entries
$$;

ALTER TABLE stream_entries ENABLE ROW LEVEL SECURITY;
CREATE POLICY stream_entries_audience ON stream_entries FOR SELECT TO bw_app
  USING (bw_agency() IS NOT NULL AND seq IS NOT NULL AND (
    owner_agency = bw_agency()
    OR (sharing = 'addressed' AND bw_agency() = ANY (audience))
    OR sharing = 'regional'
    OR (sharing = 'bilateral' AND owner_agency IN
         (SELECT p.agency_id FROM bw_partners p WHERE p.coarsen_m IS NULL AND p.coarsen_time IS NULL))));
-- bw_app writes no entries itself: the triggers of the tables whose
-- changes are streamed do, so an entry cannot be forgotten or forged.
GRANT SELECT ON stream_entries TO bw_app;
GRANT EXECUTE ON FUNCTION bw_stream_head() TO bw_app;

-- Messages: lookouts (be on the lookout), requests for information,
-- replies (in the thread of the message they answer) and notices, from one
-- agency to one or more partner agencies.
CREATE TABLE messages (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind          text NOT NULL CHECK (kind IN ('lookout', 'rfi', 'reply', 'notice')),
  author_agency text NOT NULL REFERENCES agencies (id),
  author        text NOT NULL CHECK (length(author) BETWEEN 1 AND 200),
  urgency       text NOT NULL CHECK (urgency IN ('routine', 'urgent', 'flash')),
  body          text NOT NULL CHECK (length(body) <= 10000),
  in_reply_to   bigint REFERENCES messages (id),
  thread_id     bigint NOT NULL,
  -- where: a crossing, a border section (sectors.section_id) or a point.
  crossing_id   integer REFERENCES crossings (id),
  section_id    text CHECK (length(section_id) BETWEEN 1 AND 100),
  geom          geometry(Point, 4326) CHECK (bw_valid_point(geom)),
  valid_from    timestamptz,
  valid_until   timestamptz,
  -- ack_due_at: an urgent or flash message unacknowledged after this is
  -- overdue (set from the deployment's deadline per urgency).
  ack_due_at    timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  -- purged_at: the personal data (text, subjects) was removed.
  purged_at     timestamptz,
  CHECK (num_nonnulls(crossing_id, section_id, geom) <= 1),
  CHECK (kind <> 'lookout' OR valid_until IS NOT NULL),
  CHECK (valid_until IS NULL OR valid_from IS NULL OR valid_until > valid_from),
  CHECK ((kind = 'reply') = (in_reply_to IS NOT NULL)),
  CHECK (purged_at IS NOT NULL OR length(body) >= 1)
);
CREATE INDEX messages_thread_idx ON messages (thread_id, id);
CREATE INDEX messages_author_idx ON messages (author_agency, id);
CREATE INDEX messages_expiry_idx ON messages (valid_until) WHERE kind = 'lookout' AND purged_at IS NULL;

CREATE TABLE message_recipients (
  message_id   bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  agency_id    text NOT NULL REFERENCES agencies (id),
  delivered_at timestamptz NOT NULL DEFAULT now(),
  read_at      timestamptz,
  read_by      text,
  acked_at     timestamptz,
  acked_by     text,
  answered_at  timestamptz,
  answered_by  text,
  overdue_at   timestamptz,
  PRIMARY KEY (message_id, agency_id)
);
CREATE INDEX message_recipients_agency_idx ON message_recipients (agency_id, message_id);
CREATE INDEX message_recipients_unacked_idx ON message_recipients (message_id) WHERE acked_at IS NULL AND overdue_at IS NULL;

-- Subjects of a message: entity ids. The entities table comes with its own
-- migration; the foreign key to it is added once both are applied.
CREATE TABLE message_subjects (
  message_id bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  entity_id  bigint NOT NULL CHECK (entity_id > 0),
  PRIMARY KEY (message_id, entity_id)
);

-- bw_message_author lets the policies ask who wrote a message without
-- going through the messages policy (which asks about recipients).
CREATE FUNCTION bw_message_author(p_id bigint) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT author_agency FROM messages WHERE id = p_id
$$;

-- bw_message_thread: a message starts its own thread; a reply joins the
-- thread of the message it answers, which its author must be able to see.
CREATE FUNCTION bw_message_thread() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.in_reply_to IS NULL THEN
    NEW.thread_id := NEW.id;
  ELSE
    SELECT thread_id INTO NEW.thread_id FROM messages WHERE id = NEW.in_reply_to;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'message % not found', NEW.in_reply_to USING ERRCODE = 'P0002';
    END IF;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER messages_thread BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION bw_message_thread();

-- A recipient must be another agency with which the author has a sharing
-- agreement.
CREATE FUNCTION bw_message_recipient_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_author text := bw_message_author(NEW.message_id);
BEGIN
  IF NEW.agency_id = v_author OR NOT EXISTS (SELECT 1 FROM sharing_agreements a
      WHERE (a.agency_a = v_author AND a.agency_b = NEW.agency_id) OR (a.agency_b = v_author AND a.agency_a = NEW.agency_id)) THEN
    RAISE EXCEPTION 'agency % is not a partner of %', NEW.agency_id, v_author
      USING ERRCODE = 'check_violation', CONSTRAINT = 'message_recipient_partner';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER message_recipients_check BEFORE INSERT ON message_recipients
  FOR EACH ROW EXECUTE FUNCTION bw_message_recipient_check();

-- Delivery states move forward only, on the recipient's own row; a viewer
-- may read but not acknowledge or answer.
CREATE FUNCTION bw_message_state_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.message_id, NEW.agency_id, NEW.delivered_at) IS DISTINCT FROM (OLD.message_id, OLD.agency_id, OLD.delivered_at)
     OR (OLD.read_at IS NOT NULL AND NEW.read_at IS DISTINCT FROM OLD.read_at)
     OR (OLD.acked_at IS NOT NULL AND NEW.acked_at IS DISTINCT FROM OLD.acked_at)
     OR (OLD.answered_at IS NOT NULL AND NEW.answered_at IS DISTINCT FROM OLD.answered_at)
     OR (OLD.overdue_at IS NOT NULL AND NEW.overdue_at IS DISTINCT FROM OLD.overdue_at) THEN
    RAISE EXCEPTION 'delivery states only move forward' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF bw_restricted() AND bw_role() = 'viewer'
     AND (NEW.acked_at IS DISTINCT FROM OLD.acked_at OR NEW.answered_at IS DISTINCT FROM OLD.answered_at) THEN
    RAISE EXCEPTION 'a viewer may not acknowledge or answer' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER message_recipients_state BEFORE UPDATE ON message_recipients
  FOR EACH ROW EXECUTE FUNCTION bw_message_state_check();

-- Every delivery and every change of its state is a stream entry for the
-- author and that recipient, written in the same transaction.
CREATE FUNCTION bw_message_stream() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  m messages%ROWTYPE;
  v_state text;
  v_at timestamptz;
  v_by text;
BEGIN
  SELECT * INTO m FROM messages WHERE id = NEW.message_id;
  IF TG_OP = 'INSERT' THEN
    v_state := 'delivered'; v_at := NEW.delivered_at;
  ELSIF NEW.answered_at IS DISTINCT FROM OLD.answered_at THEN
    v_state := 'answered'; v_at := NEW.answered_at; v_by := NEW.answered_by;
  ELSIF NEW.acked_at IS DISTINCT FROM OLD.acked_at THEN
    v_state := 'acknowledged'; v_at := NEW.acked_at; v_by := NEW.acked_by;
  ELSIF NEW.read_at IS DISTINCT FROM OLD.read_at THEN
    v_state := 'read'; v_at := NEW.read_at; v_by := NEW.read_by;
  ELSIF NEW.overdue_at IS DISTINCT FROM OLD.overdue_at THEN
    v_state := 'overdue'; v_at := NEW.overdue_at;
  ELSE
    RETURN NULL;
  END IF;
  INSERT INTO stream_entries (type, owner_agency, sharing, audience, payload)
  VALUES (CASE WHEN TG_OP = 'INSERT' THEN 'message' ELSE 'message_state' END, m.author_agency, 'addressed',
          ARRAY[NEW.agency_id],
          jsonb_build_object('message_id', m.id, 'thread_id', m.thread_id, 'kind', m.kind, 'urgency', m.urgency,
            'author_agency', m.author_agency, 'recipient', NEW.agency_id, 'state', v_state, 'at', v_at, 'by', v_by,
            'created_at', m.created_at, 'valid_until', m.valid_until, 'ack_due_at', m.ack_due_at));
  RETURN NULL;
END $$;
CREATE TRIGGER message_recipients_stream AFTER INSERT OR UPDATE ON message_recipients
  FOR EACH ROW EXECUTE FUNCTION bw_message_stream();

-- bw_messages_overdue marks every urgent or flash delivery that is still
-- unacknowledged after its deadline (each once: the mark is its stream
-- entry) and returns how many it marked. Replicas call it on a timer;
-- concurrent calls mark each delivery once.
CREATE FUNCTION bw_messages_overdue() RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH marked AS (
    UPDATE message_recipients r SET overdue_at = m.ack_due_at
    FROM messages m
    WHERE m.id = r.message_id AND m.ack_due_at <= now() AND r.acked_at IS NULL AND r.overdue_at IS NULL
    RETURNING 1)
  SELECT count(*)::integer FROM marked
$$;
REVOKE ALL ON FUNCTION bw_messages_overdue() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bw_messages_overdue() TO bw_app;

ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
CREATE POLICY messages_parties ON messages FOR SELECT TO bw_app
  USING (author_agency = bw_agency()
    OR EXISTS (SELECT 1 FROM message_recipients r WHERE r.message_id = messages.id AND r.agency_id = bw_agency()));
CREATE POLICY messages_send ON messages FOR INSERT TO bw_app
  WITH CHECK (author_agency = bw_agency() AND bw_role() IN ('analyst', 'planner', 'admin'));

ALTER TABLE message_recipients ENABLE ROW LEVEL SECURITY;
CREATE POLICY message_recipients_parties ON message_recipients FOR SELECT TO bw_app
  USING (agency_id = bw_agency() OR bw_message_author(message_id) = bw_agency());
CREATE POLICY message_recipients_send ON message_recipients FOR INSERT TO bw_app
  WITH CHECK (bw_message_author(message_id) = bw_agency());
CREATE POLICY message_recipients_state ON message_recipients FOR UPDATE TO bw_app
  USING (agency_id = bw_agency()) WITH CHECK (agency_id = bw_agency());

ALTER TABLE message_subjects ENABLE ROW LEVEL SECURITY;
CREATE POLICY message_subjects_parties ON message_subjects FOR SELECT TO bw_app
  USING (EXISTS (SELECT 1 FROM messages m WHERE m.id = message_id));
CREATE POLICY message_subjects_send ON message_subjects FOR INSERT TO bw_app
  WITH CHECK (bw_message_author(message_id) = bw_agency());

GRANT SELECT, INSERT ON messages, message_subjects TO bw_app;
GRANT SELECT, INSERT, UPDATE ON message_recipients TO bw_app;
GRANT EXECUTE ON FUNCTION bw_message_author(bigint) TO bw_app;

-- A retried POST of a message returns the message the first attempt sent.
ALTER TABLE idempotency_keys ADD COLUMN message_id bigint REFERENCES messages (id) ON DELETE SET NULL;
