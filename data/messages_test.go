package data_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/data/datatest"
	"github.com/borderwatch/borderwatch/record"
)

// msgEnv is a fresh database with three agencies: tj-dca and af-border
// have a sharing agreement (a BLO pair), uz-border has one with neither.
type msgEnv struct {
	url   string
	pool  *pgxpool.Pool // unrestricted
	store *data.Store   // restricted, as the service runs it
}

func newMsgEnv(t *testing.T) *msgEnv {
	t.Helper()
	url := datatest.URL(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	for _, q := range []string{
		`INSERT INTO agencies (id, name, country, kind) VALUES ('tj-dca', 'DCA', 'TJK', 'drug_control'),
			('af-border', 'ABP', 'AFG', 'border_guard'), ('uz-border', 'UZB', 'UZB', 'border_guard')`,
		`INSERT INTO sharing_agreements (agency_a, agency_b) VALUES ('af-border', 'tj-dca')`,
		// The subjects of the tests' lookouts, which every agency sees.
		`INSERT INTO entity_records (id, kind, agency_id, sharing, plate) VALUES
			('00000000-0000-4000-8000-000000000007', 'vehicle', 'tj-dca', 'regional', '4521 AB 03'),
			('00000000-0000-4000-8000-000000000009', 'vehicle', 'af-border', 'regional', '0001 TJ 01')`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	store, err := data.Open(ctx, data.Config{URL: url, Restricted: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(store.Close)
	return &msgEnv{url: url, pool: pool, store: store}
}

// The entities of newMsgEnv that lookouts name.
var (
	subject7 = uuid.MustParse("00000000-0000-4000-8000-000000000007")
	subject9 = uuid.MustParse("00000000-0000-4000-8000-000000000009")
)

func lookout(to ...string) data.MessageDraft {
	until := time.Now().Add(48 * time.Hour)
	return data.MessageDraft{Kind: "lookout", Urgency: "urgent", Text: "grey Kamaz 4521 AB 03, driver Abdulloev",
		Recipients: to, Subjects: []uuid.UUID{subject7, subject9}, ValidUntil: &until}
}

func (e *msgEnv) send(t *testing.T, from string, d data.MessageDraft) data.Message {
	t.Helper()
	m, _, err := e.store.SendMessage(as(from, "analyst"), d, data.DefaultAckDeadlines(), "", nil)
	if err != nil {
		t.Fatalf("send from %s: %v", from, err)
	}
	return m
}

// readAll reads every stream entry ctx's caller may see after after.
func readAll(t *testing.T, s *data.Store, ctx context.Context, after int64) ([]data.StreamEntry, int64) {
	t.Helper()
	var all []data.StreamEntry
	for {
		got, next, err := s.ReadStream(ctx, after, nil, 2)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, got...)
		if len(got) < 2 {
			return all, next
		}
		after = next
	}
}

func TestMessagesReachOnlyTheAddressedAgencies(t *testing.T) {
	e := newMsgEnv(t)
	tj, af, uz := as("tj-dca", "analyst"), as("af-border", "viewer"), as("uz-border", "admin")
	m := e.send(t, "tj-dca", lookout("af-border"))
	if m.ThreadID != m.ID || len(m.Deliveries) != 1 || m.Deliveries[0].State != "delivered" {
		t.Fatalf("sent message = %+v", m)
	}

	// The addressee sees it in its inbox (without the text), reads it
	// (with the text and subjects), and the author sees it read.
	box, counts, _, err := e.store.ListMessages(af, "inbox", 0, 10)
	if err != nil || len(box) != 1 || box[0].Text != nil || counts.Unread != 1 {
		t.Fatalf("af-border inbox = %+v %+v, %v", box, counts, err)
	}
	got, err := e.store.GetMessage(af, m.ID)
	if err != nil || got.Text == nil || *got.Text != "grey Kamaz 4521 AB 03, driver Abdulloev" || !slices.Equal(got.Subjects, []uuid.UUID{subject7, subject9}) {
		t.Fatalf("af-border reads %+v, %v", got, err)
	}
	if _, counts, _, _ = e.store.ListMessages(af, "inbox", 0, 10); counts.Unread != 0 {
		t.Errorf("unread after reading = %d", counts.Unread)
	}
	out, _, _, err := e.store.ListMessages(tj, "outbox", 0, 10)
	if err != nil || len(out) != 1 || out[0].Deliveries[0].State != "read" || *out[0].Deliveries[0].ReadBy != "test:af-border" {
		t.Fatalf("tj-dca outbox = %+v, %v", out, err)
	}

	// The third agency sees nothing: not in a box, not by id, not in a
	// thread, not on the stream; and it cannot acknowledge it.
	for _, b := range []string{"inbox", "outbox"} {
		if l, c, _, err := e.store.ListMessages(uz, b, 0, 10); err != nil || len(l) != 0 || c != (data.MessageCounts{}) {
			t.Errorf("uz-border %s = %+v %+v, %v", b, l, c, err)
		}
	}
	if _, err := e.store.GetMessage(uz, m.ID); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("uz-border get: %v, want not found", err)
	}
	if _, err := e.store.Thread(uz, m.ID); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("uz-border thread: %v, want not found", err)
	}
	if _, err := e.store.AckMessage(uz, m.ID); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("uz-border ack: %v, want not found", err)
	}
	if s, _ := readAll(t, e.store, uz, 0); len(s) != 0 {
		t.Errorf("uz-border's stream carries %d entries of a message not addressed to it", len(s))
	}
	// Both parties see the delivery and the read on the stream.
	for name, ctx := range map[string]context.Context{"tj-dca": tj, "af-border": af} {
		s, _ := readAll(t, e.store, ctx, 0)
		var states []string
		for _, x := range s {
			states = append(states, x.Type)
		}
		if !slices.Equal(states, []string{"message", "message_state"}) {
			t.Errorf("%s's stream = %v, want message, message_state", name, states)
		}
	}

	// A viewer may read but not acknowledge; an analyst acknowledges.
	if _, err := e.store.AckMessage(af, m.ID); !errors.Is(err, data.ErrForbidden) {
		t.Errorf("viewer ack: %v, want forbidden", err)
	}
	acked, err := e.store.AckMessage(as("af-border", "analyst"), m.ID)
	if err != nil || acked.Deliveries[0].State != "acknowledged" {
		t.Fatalf("ack = %+v, %v", acked, err)
	}

	// Every read was audited.
	var reads int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'message.read'
		AND agency_id = 'af-border'`).Scan(&reads); err != nil || reads != 1 {
		t.Errorf("audited reads = %d, %v; want 1", reads, err)
	}
}

func TestMessageRecipientsMustBePartners(t *testing.T) {
	e := newMsgEnv(t)
	ctx := as("tj-dca", "analyst")
	for _, tc := range []struct {
		name  string
		to    []string
		field string
	}{
		{"no agreement", []string{"uz-border"}, "recipients"},
		{"oneself", []string{"tj-dca"}, "recipients"},
		{"unknown agency", []string{"xx-none"}, "recipients"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := e.store.SendMessage(ctx, lookout(tc.to...), data.DefaultAckDeadlines(), "", nil)
			if f := record.FieldNames(err); !slices.Equal(f, []string{tc.field}) {
				t.Fatalf("send to %v: %v (fields %v), want a field error on %s", tc.to, err, f, tc.field)
			}
		})
	}
	if _, _, err := e.store.SendMessage(as("tj-dca", "viewer"), lookout("af-border"), data.DefaultAckDeadlines(), "", nil); !errors.Is(err, data.ErrForbidden) {
		t.Errorf("a viewer sent: %v", err)
	}
	var n int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM messages`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d messages stored after refused sends (%v)", n, err)
	}
}

func TestRepliesFormAThreadAndAnswer(t *testing.T) {
	e := newMsgEnv(t)
	rfi := e.send(t, "tj-dca", data.MessageDraft{Kind: "rfi", Text: "did your side see this person?", Recipients: []string{"af-border"}})
	id := rfi.ID
	reply := e.send(t, "af-border", data.MessageDraft{Kind: "reply", Text: "yes, at Sher Khan Bandar", InReplyTo: &id})
	if reply.ThreadID != rfi.ID || len(reply.Deliveries) != 1 || reply.Deliveries[0].Agency != "tj-dca" {
		t.Fatalf("reply = %+v", reply)
	}
	thread, err := e.store.Thread(as("tj-dca", "viewer"), reply.ID)
	if err != nil || len(thread) != 2 || thread[0].ID != rfi.ID || *thread[1].Text != "yes, at Sher Khan Bandar" {
		t.Fatalf("thread = %+v, %v", thread, err)
	}
	if d := thread[0].Deliveries[0]; d.State != "answered" || d.AnsweredAt == nil {
		t.Errorf("the answered request's delivery = %+v", d)
	}
	// uz-border cannot reply into a thread it cannot see.
	_, _, err = e.store.SendMessage(as("uz-border", "analyst"), data.MessageDraft{Kind: "reply", Text: "x", InReplyTo: &id, Recipients: []string{"tj-dca"}},
		data.DefaultAckDeadlines(), "", nil)
	if f := record.FieldNames(err); !slices.Equal(f, []string{"in_reply_to"}) {
		t.Errorf("reply to an unseen message: %v", err)
	}
}

func TestUnacknowledgedUrgentMessagesBecomeOverdue(t *testing.T) {
	e := newMsgEnv(t)
	ctx := context.Background()
	quick := data.AckDeadlines{Urgent: time.Hour, Flash: time.Millisecond}
	flash := lookout("af-border")
	flash.Urgency = "flash"
	f, _, err := e.store.SendMessage(as("tj-dca", "analyst"), flash, quick, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	e.send(t, "tj-dca", data.MessageDraft{Kind: "notice", Text: "routine", Recipients: []string{"af-border"}})
	urgent, _, err := e.store.SendMessage(as("tj-dca", "analyst"), lookout("af-border"), quick, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	_, in, _, err := e.store.ListMessages(as("af-border", "viewer"), "inbox", 0, 10)
	if err != nil || in.OverdueIn != 1 || in.OverdueOut != 0 {
		t.Errorf("recipient counts = %+v, %v; want 1 overdue in", in, err)
	}
	out, c, _, err := e.store.ListMessages(as("tj-dca", "viewer"), "outbox", 0, 10)
	if err != nil || c.OverdueOut != 1 || c.OverdueIn != 0 {
		t.Errorf("author counts = %+v, %v; want 1 overdue out", c, err)
	}
	for _, m := range out {
		if want := m.ID == f.ID; m.Deliveries[0].Overdue != want {
			t.Errorf("message %d (%s, due %v) overdue = %v", m.ID, m.Urgency, m.AckDueAt, m.Deliveries[0].Overdue)
		}
	}
	if urgent.AckDueAt == nil || urgent.AckDueAt.Sub(urgent.CreatedAt) != time.Hour {
		t.Errorf("urgent deadline %v after %v, want an hour", urgent.AckDueAt, urgent.CreatedAt)
	}
	// The sweep marks it once, and both sides get it on the stream.
	var n1, n2 int
	if err := e.pool.QueryRow(ctx, `SELECT bw_messages_overdue()`).Scan(&n1); err != nil {
		t.Fatal(err)
	}
	if err := e.pool.QueryRow(ctx, `SELECT bw_messages_overdue()`).Scan(&n2); err != nil {
		t.Fatal(err)
	}
	if n1 != 1 || n2 != 0 {
		t.Errorf("overdue sweeps marked %d then %d, want 1 then 0", n1, n2)
	}
	for _, agency := range []string{"tj-dca", "af-border"} {
		s, _ := readAll(t, e.store, as(agency, "viewer"), 0)
		overdue := 0
		for _, x := range s {
			if x.Type == "message_state" && string(x.Payload) != "" && containsState(x.Payload, "overdue") {
				overdue++
			}
		}
		if overdue != 1 {
			t.Errorf("%s's stream has %d overdue entries, want 1", agency, overdue)
		}
	}
	// Acknowledged, it is no longer overdue on either side.
	if _, err := e.store.AckMessage(as("af-border", "analyst"), f.ID); err != nil {
		t.Fatal(err)
	}
	if _, c, _, _ := e.store.ListMessages(as("tj-dca", "viewer"), "outbox", 0, 10); c.OverdueOut != 0 {
		t.Errorf("overdue after acknowledgement = %d", c.OverdueOut)
	}
}

func TestPurgeRemovesPersonalDataOfExpiredLookouts(t *testing.T) {
	e := newMsgEnv(t)
	ctx := context.Background()
	old := lookout("af-border")
	from, until := time.Now().Add(-40*24*time.Hour), time.Now().Add(-31*24*time.Hour)
	old.ValidFrom, old.ValidUntil = &from, &until
	expired := e.send(t, "tj-dca", old)
	id := expired.ID
	reply := e.send(t, "af-border", data.MessageDraft{Kind: "reply", Text: "seen Abdulloev at the bridge", InReplyTo: &id, Subjects: []uuid.UUID{subject9}})
	recent := lookout("af-border")
	rFrom, rUntil := time.Now().Add(-3*24*time.Hour), time.Now().Add(-2*24*time.Hour)
	recent.ValidFrom, recent.ValidUntil = &rFrom, &rUntil
	kept := e.send(t, "tj-dca", recent)
	active := e.send(t, "tj-dca", lookout("af-border"))

	sys := data.NewFromPool(e.pool)
	rep, err := sys.PurgeExpired(ctx, 30*24*time.Hour, 365*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Messages != 2 {
		t.Errorf("purged %d messages, want the expired lookout and its reply", rep.Messages)
	}
	for _, tc := range []struct {
		id     int64
		purged bool
	}{{expired.ID, true}, {reply.ID, true}, {kept.ID, false}, {active.ID, false}} {
		m, err := e.store.GetMessage(as("tj-dca", "viewer"), tc.id)
		if err != nil {
			t.Fatal(err)
		}
		if m.Purged != tc.purged || (*m.Text == "") != tc.purged || (len(m.Subjects) == 0) != tc.purged {
			t.Errorf("message %d: purged %v, text %q, subjects %v; want purged %v", tc.id, m.Purged, *m.Text, m.Subjects, tc.purged)
		}
	}
	var audited int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'purge.messages'
		AND detail->'messages' = $1::jsonb`, []int64{expired.ID, reply.ID}).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("purge audited %d times (%v), want once with the ids", audited, err)
	}
	// A second run finds nothing more.
	if rep, err := sys.PurgeExpired(ctx, 30*24*time.Hour, 365*24*time.Hour); err != nil || rep.Messages != 0 {
		t.Errorf("second purge = %+v, %v", rep, err)
	}
}
