package data_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/record"
)

func containsState(payload []byte, state string) bool {
	var p struct {
		State string `json:"state"`
	}
	return json.Unmarshal(payload, &p) == nil && p.State == state
}

// TestStreamOutOfOrderCommitsAreNotMissed commits a transaction that
// inserted its entry first after one that inserted later, with a reader
// resuming in between: the reader must get both, each once. Resuming by
// insert order (the identity id) would skip the first.
func TestStreamOutOfOrderCommitsAreNotMissed(t *testing.T) {
	e := newMsgEnv(t)
	ctx := context.Background()
	reader := as("tj-dca", "viewer")
	insert := `INSERT INTO stream_entries (type, owner_agency, sharing, payload) VALUES ('alert', 'tj-dca', 'agency', $1) RETURNING id`

	early, err := e.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = early.Rollback(ctx) }()
	var earlyID, lateID int64
	if err := early.QueryRow(ctx, insert, `{"n": "early"}`).Scan(&earlyID); err != nil {
		t.Fatal(err)
	}
	late, err := e.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := late.QueryRow(ctx, insert, `{"n": "late"}`).Scan(&lateID); err != nil {
		t.Fatal(err)
	}
	if err := late.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if lateID <= earlyID {
		t.Fatalf("ids %d (late) and %d (early): the test needs the later insert to have the higher id", lateID, earlyID)
	}

	// The reader sees the later insert and resumes after it.
	first, cursor := readAll(t, e.store, reader, 0)
	if len(first) != 1 || string(first[0].Payload) != `{"n": "late"}` {
		t.Fatalf("first read = %+v", first)
	}
	if err := early.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	second, _ := readAll(t, e.store, reader, cursor)
	if len(second) != 1 || string(second[0].Payload) != `{"n": "early"}` {
		t.Fatalf("after the earlier insert committed, the reader resuming at %d got %+v; want the early entry once", cursor, second)
	}
	if second[0].Seq <= first[0].Seq {
		t.Errorf("seqs %d then %d are not in commit order", first[0].Seq, second[0].Seq)
	}
}

// TestStreamReadersResumeExactly reads a stream of many entries in pages
// from every resumption point and checks that each read continues the
// previous one with nothing missed and nothing repeated, and that the
// types filter applies.
func TestStreamReadersResumeExactly(t *testing.T) {
	e := newMsgEnv(t)
	ctx := context.Background()
	for i := range 25 {
		typ := "alert"
		if i%3 == 0 {
			typ = "position"
		}
		if _, err := e.pool.Exec(ctx, `INSERT INTO stream_entries (type, owner_agency, sharing, payload)
			VALUES ($1, 'tj-dca', 'agency', jsonb_build_object('i', $2::int))`, typ, i); err != nil {
			t.Fatal(err)
		}
	}
	reader := as("tj-dca", "viewer")
	all, head := readAll(t, e.store, reader, 0)
	if len(all) != 25 {
		t.Fatalf("read %d entries, want 25", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].Seq <= all[i-1].Seq {
			t.Fatalf("entries out of order at %d", i)
		}
	}
	for i, x := range all {
		rest, _ := readAll(t, e.store, reader, x.Seq)
		if len(rest) != len(all)-i-1 || (len(rest) > 0 && rest[0].Seq != all[i+1].Seq) {
			t.Fatalf("resuming after %d gave %d entries, want %d", x.Seq, len(rest), len(all)-i-1)
		}
	}
	if rest, next := readAll(t, e.store, reader, head); len(rest) != 0 || next != head {
		t.Errorf("resuming at the head gave %d entries and cursor %d", len(rest), next)
	}
	pos, _, err := e.store.ReadStream(reader, 0, []string{"position"}, 100)
	if err != nil || len(pos) != 9 {
		t.Errorf("position filter: %d entries, %v; want 9", len(pos), err)
	}
	// Another agency sees none of tj-dca's agency-only entries.
	if other, _ := readAll(t, e.store, as("af-border", "viewer"), 0); len(other) != 0 {
		t.Errorf("af-border reads %d of tj-dca's own entries", len(other))
	}
	if _, err := data.ParseStreamTypes("message,bogus"); !slices.Equal(record.FieldNames(err), []string{"types"}) {
		t.Errorf("bad types filter: %v", err)
	}
}

// TestStreamFollowsAcrossListenerLoss runs a replica's stream feed, kills
// its listening connection in PostgreSQL and sends meanwhile: the feed
// reconnects and its head reaches every entry.
func TestStreamFollowsAcrossListenerLoss(t *testing.T) {
	e := newMsgEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	st := data.NewStream(e.store, slog.New(slog.NewTextHandler(io.Discard, nil)), data.StreamConfig{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = st.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	waitFor(t, 5*time.Second, "stream listening", st.Ready)
	changed := st.Changed()
	e.send(t, "tj-dca", lookout("af-border"))
	select {
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Fatal("the head did not move within 5 s of a send")
	}
	var killed int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = 'borderwatch-stream' AND datname = current_database()`).Scan(&killed); err != nil || killed != 1 {
		t.Fatalf("terminated %d listeners (%v), want 1", killed, err)
	}
	for range 3 {
		e.send(t, "tj-dca", lookout("af-border"))
	}
	var head int64
	if err := e.pool.QueryRow(context.Background(), `SELECT bw_stream_head()`).Scan(&head); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "head caught up after the listener was killed", func() bool { return st.Head() == head })
	waitFor(t, 10*time.Second, "listening again", st.Ready)
	got, _ := readAll(t, e.store, as("af-border", "viewer"), 0)
	if len(got) != 4 {
		t.Errorf("af-border's stream has %d entries, want the 4 deliveries", len(got))
	}
}

func TestStreamLimitsOpenStreams(t *testing.T) {
	st := data.NewStream(nil, slog.New(slog.NewTextHandler(io.Discard, nil)), data.StreamConfig{PerToken: 2, PerAgency: 3})
	p := func(token int, agency string) data.Principal {
		return data.Principal{TokenID: token, AgencyID: agency}
	}
	end1, err1 := st.Open(p(1, "tj-dca"))
	_, err2 := st.Open(p(1, "tj-dca"))
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if _, err := st.Open(p(1, "tj-dca")); err != data.ErrTooManyStreams {
		t.Errorf("third stream of a token: %v", err)
	}
	if _, err := st.Open(p(2, "tj-dca")); err != nil {
		t.Errorf("another token: %v", err)
	}
	if _, err := st.Open(p(3, "tj-dca")); err != data.ErrTooManyStreams {
		t.Errorf("fourth stream of an agency: %v", err)
	}
	end1()
	end1()
	if _, err := st.Open(p(3, "tj-dca")); err != nil {
		t.Errorf("after one ended (twice): %v", err)
	}
}
