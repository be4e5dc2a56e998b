package data

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"
)

// follower is the one design by which a replica follows changes that
// other replicas commit: a dedicated connection LISTENs on a channel; pull
// runs once on every (re)connection to catch up, after each burst of
// notifications (coalesced for debounce) and at least every poll; a lost
// connection is reopened with exponential backoff up to backoffMax. The
// live index and the stream both follow the database this way, each on
// its own channel and connection.
type follower struct {
	pool    *pgxpool.Pool
	logger  *slog.Logger
	name    string // for logs and application_name ("borderwatch-" + name)
	channel string
	// debounce is how long a notification waits for more before pull.
	debounce time.Duration
	// poll is how often pull runs when no notification arrives.
	poll       time.Duration
	backoffMax time.Duration
	pull       func(ctx context.Context) error
	// listening is set while the connection listens and has caught up.
	listening *atomic.Bool
	// notified, when set, counts the notifications received.
	notified *atomic.Int64
}

// run follows until ctx ends, and then returns nil.
func (f follower) run(ctx context.Context) error {
	backoff := 100 * time.Millisecond
	for {
		start := time.Now()
		err := f.listen(ctx)
		f.listening.Store(false)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(start) > 10*time.Second {
			backoff = 100 * time.Millisecond
		}
		f.logger.Warn(f.name+": change feed lost; reconnecting", "error", err.Error(), "retry_in_ms", backoff.Milliseconds())
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		backoff = min(2*backoff, f.backoffMax)
	}
}

// listen runs one connection of the feed until it fails.
func (f follower) listen(ctx context.Context) error {
	cfg := f.pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = "borderwatch-" + f.name
	// Waiting for a notification ends with its context, at once (the
	// pools' handler lets queries run on after their context ends).
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: pc.Conn()}
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{f.channel}.Sanitize()); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	// Catch up on everything since the last pull, notified or not.
	if err := f.pull(ctx); err != nil {
		return err
	}
	f.listening.Store(true)
	for {
		err := f.wait(ctx, conn, f.poll)
		switch {
		case errors.Is(err, errWaitTimeout):
			// No notification: poll anyway (missed signals, timers).
		case err != nil:
			return err
		case f.debounce > 0:
			// Coalesce the rest of the burst.
			until := time.Now().Add(f.debounce)
			for {
				d := time.Until(until)
				if d <= 0 {
					break
				}
				if err := f.wait(ctx, conn, d); errors.Is(err, errWaitTimeout) {
					break
				} else if err != nil {
					return err
				}
			}
		}
		if err := f.pull(ctx); err != nil {
			return err
		}
	}
}

var errWaitTimeout = errors.New("no notification")

// wait is the package's wait, counting each notification in f.notified.
func (f follower) wait(ctx context.Context, conn *pgx.Conn, d time.Duration) error {
	err := wait(ctx, conn, d)
	if err == nil && f.notified != nil {
		f.notified.Add(1)
	}
	return err
}

// wait waits up to d for a notification on conn; errWaitTimeout when none
// came (the connection stays usable).
func wait(ctx context.Context, conn *pgx.Conn, d time.Duration) error {
	wctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	_, err := conn.WaitForNotification(wctx)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if wctx.Err() != nil && !conn.IsClosed() {
		return errWaitTimeout
	}
	return fmt.Errorf("wait for notification: %w", err)
}
