// Command gradient-fakeapi serves the fake DigitalOcean droplet-actions API
// on loopback, seeded with demo droplets, for trying the provider by hand:
//
//	gradient-fakeapi -droplets 3 -url-file /tmp/fakeapi.url
//	DIGITALOCEAN_API_URL=$(cat /tmp/fakeapi.url) DIGITALOCEAN_TOKEN=fake-token terraform apply
//
// By default it enforces DigitalOcean's real per-token limits, 250 requests a
// minute and 5000 an hour (-per-minute, -per-hour; 0 lifts one). As on the
// real API, the ratelimit-* headers describe only the hourly window, and the
// per-minute limit shows only as a 429 with retry-after once exceeded.
//
// It also serves the droplets' health endpoint on a port of its own, which
// it announces: http://127.0.0.1:PORT/health/{droplet_id}, 127.0.0.1 being
// every demo droplet's public address.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gradient-fakeapi:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("gradient-fakeapi", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "loopback address to listen on")
	token := fs.String("token", "fake-token", "bearer token the fake accepts")
	droplets := fs.Int("droplets", 0, "number of demo droplets to seed (IDs from 1001)")
	duration := fs.Duration("duration", 2*time.Second, "how long each action stays in progress")
	urlFile := fs.String("url-file", "", "file to write the base URL to once listening")
	history := fs.Int("history", 0, "completed history actions to seed per droplet")
	verbose := fs.Bool("v", false, "log every request")
	perMinute := fs.Int("per-minute", 250, "requests a minute per token, a sliding window shown only by 429 with retry-after (DigitalOcean: 250; 0 = unlimited)")
	perHour := fs.Int("per-hour", 5000, "requests an hour per token, a sliding window the ratelimit-* headers describe (DigitalOcean: 5000; 0 = unlimited)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *droplets < 0 || *history < 0 || *perMinute < 0 || *perHour < 0 {
		return fmt.Errorf("-droplets, -history, -per-minute and -per-hour must not be negative")
	}
	if *duration <= 0 {
		// Options treats zero as "use the default"; a demo asking for 0 means instant.
		*duration = -1
	}

	// Registered before the URL is published, so that whoever reads the URL
	// file may signal the process without killing it uncleanly.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	opts := fakeapi.Options{
		Token: *token, DefaultDuration: *duration,
		PerMinuteLimit: *perMinute, PerHourLimit: *perHour,
	}
	if *verbose {
		opts.Logf = func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) }
	}
	srv, err := fakeapi.Listen(opts, *addr)
	if err != nil {
		return err
	}
	defer srv.Close()

	for i := range *droplets {
		d := srv.AddDroplet(fakeapi.Droplet{
			ID:       int64(1001 + i),
			Name:     "demo-" + strconv.Itoa(i+1),
			Status:   fakeapi.StatusActive,
			SizeSlug: "s-1vcpu-1gb",
			Region:   "nyc3",
			Tags:     []string{"demo"},
		})
		srv.SeedActions(d.ID, *history, client.ActionPowerOn)
	}
	if *urlFile != "" {
		if err := os.WriteFile(*urlFile, []byte(srv.URL()+"\n"), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "fake DigitalOcean API on %s (token %q, %d droplets, %s a minute, %s an hour)\n",
		srv.URL(), *token, *droplets, limitText(*perMinute), limitText(*perHour))
	fmt.Fprintf(stderr, "droplet health endpoint on %s/health/{droplet_id} (no token; every droplet's public address is %s)\n",
		srv.HealthURL(), fakeapi.DefaultPublicIPv4)

	<-ctx.Done()
	fmt.Fprintln(stderr, "gradient-fakeapi: shutting down")
	return nil
}

func limitText(n int) string {
	if n == 0 {
		return "unlimited requests"
	}
	return strconv.Itoa(n) + " requests"
}
