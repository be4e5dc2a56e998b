package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/borderwatch/borderwatch/data"
)

// runPurge removes the personal data of lookouts that expired more than
// -retention ago (the texts and subjects of their threads, and the
// personal data of the entities only they named) and the stream
// entries older than -stream-retention, and audits it. Run it from cron or
// a systemd timer as often as the deployment's rules require.
func runPurge(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("purge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := dbFlag(fs, getenv)
	def, err := durationEnv(getenv, "PURGE_RETENTION", 90*24*time.Hour)
	if err != nil {
		return err
	}
	retention := fs.Duration("retention", def,
		"keep the personal data of a lookout this long after it expired (env PURGE_RETENTION)")
	streamRetention := fs.Duration("stream-retention", 7*24*time.Hour,
		"keep live stream entries this long (a client away longer resumes from the oldest kept)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New("usage: borderwatch purge [-retention D] [-stream-retention D]")
	}
	if *retention < 0 || *streamRetention < time.Hour {
		return errors.New("-retention must not be negative and -stream-retention must be at least an hour")
	}
	return withCLIStore(ctx, *dbURL, getenv, func(s *data.Store) error {
		rep, err := s.PurgeExpired(ctx, *retention, *streamRetention)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "purged the personal data of %d messages of expired lookouts and of %d entities only they named; removed %d stream entries\n",
			rep.Messages, rep.Entities, rep.StreamEntries)
		return nil
	})
}

// durationEnv reads a duration from the environment, def when unset.
func durationEnv(getenv func(string) string, key string, def time.Duration) (time.Duration, error) {
	v := getenv(key)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", key, err)
	}
	return d, nil
}
