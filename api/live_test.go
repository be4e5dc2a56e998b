package api_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/data"
)

// startLive loads a live index over store and runs its change feed until
// the test ends.
func startLive(t *testing.T, store *data.Store, logger *slog.Logger) *data.Live {
	t.Helper()
	live := data.NewLive(store, logger)
	if err := live.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = live.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	// Serve only once the change feed listens, as /readyz reports.
	deadline := time.Now().Add(10 * time.Second)
	for !live.Ready() {
		if time.Now().After(deadline) {
			t.Fatal("the live index did not start listening within 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return live
}

// startStream runs a replica's live stream over store until the test ends,
// and returns it once it listens.
func startStream(t *testing.T, store *data.Store, logger *slog.Logger) *data.Stream {
	t.Helper()
	st := data.NewStream(store, logger, data.StreamConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = st.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	deadline := time.Now().Add(10 * time.Second)
	for !st.Ready() {
		if time.Now().After(deadline) {
			t.Fatal("the live stream did not start listening within 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return st
}
