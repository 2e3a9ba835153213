package client_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

// A stand-in for the API: a reboot that is in progress on the first read and done on the second.
func exampleServer() *httptest.Server {
	var reads atomic.Int32
	action := func(status string) string {
		return `{"action":{"id":36804636,"status":"` + status + `","type":"reboot","started_at":"2025-03-04T05:06:07Z",` +
			`"resource_id":3164494,"resource_type":"droplet","region_slug":"nyc3"}}`
	}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodPost:
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, action("in-progress"))
		case reads.Add(1) < 2:
			_, _ = io.WriteString(w, action("in-progress"))
		default:
			_, _ = io.WriteString(w, action("completed"))
		}
	}))
}

func ExampleClient_WaitForAction() {
	srv := exampleServer()
	defer srv.Close()

	c, err := client.New(client.Config{
		Token:    "dop_v1_example",
		Endpoint: srv.URL, // omit for https://api.digitalocean.com
		PollMin:  10 * time.Millisecond,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// The wait ends with the context: here after ten minutes at most.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	a, _, err := c.Initiate(ctx, 3164494, client.ActionRequest{Type: client.ActionReboot})
	if err != nil {
		fmt.Println(err)
		return
	}
	done, err := c.WaitForAction(ctx, a.ID, func(a *client.Action) {
		fmt.Printf("action %d: %s\n", a.ID, a.Status)
	})
	if err != nil {
		// *client.ActionFailedError when the action errored; *client.WaitError when ctx
		// ended first (the action goes on at DigitalOcean).
		fmt.Println(err)
		return
	}
	fmt.Printf("%s of droplet %d %s\n", done.Type, done.ResourceID, done.Status)
	// Output:
	// action 36804636: in-progress
	// action 36804636: completed
	// reboot of droplet 3164494 completed
}
