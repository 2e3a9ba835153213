package client

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// dropletLocks serializes this process's actions per droplet: the API runs one action at a
// time per droplet and answers a second with 422 "pending event", so callers queue here
// instead of racing each other into that error.
type dropletLocks struct {
	mu    sync.Mutex
	locks map[int64]chan struct{}
}

func (l *dropletLocks) get(id int64) chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.locks == nil {
		l.locks = make(map[int64]chan struct{})
	}
	ch, ok := l.locks[id]
	if !ok {
		ch = make(chan struct{}, 1)
		l.locks[id] = ch
	}
	return ch
}

// LockDroplet waits until no other caller of this client holds the droplet, then holds it
// until unlock is called. It gives up when ctx ends.
func (c *Client) LockDroplet(ctx context.Context, dropletID int64) (unlock func(), err error) {
	ch := c.locks.get(dropletID)
	select {
	case ch <- struct{}{}:
		var once sync.Once
		return func() { once.Do(func() { <-ch }) }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for another action on droplet %d to finish: %w", dropletID, ctx.Err())
	}
}

// LockDroplets holds every droplet in ids, taking them in ascending order so that two
// callers holding overlapping sets cannot deadlock. On error nothing stays held.
func (c *Client) LockDroplets(ctx context.Context, ids []int64) (unlock func(), err error) {
	sorted := slices.Compact(slices.Sorted(slices.Values(ids)))
	unlocks := make([]func(), 0, len(sorted))
	release := func() {
		for _, u := range slices.Backward(unlocks) {
			u()
		}
	}
	for _, id := range sorted {
		u, err := c.LockDroplet(ctx, id)
		if err != nil {
			release()
			return nil, err
		}
		unlocks = append(unlocks, u)
	}
	return release, nil
}
