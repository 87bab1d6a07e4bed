package auth

import (
	"sync"
	"time"
)

// FailureLimiter slows down guessing: it counts failed authentications per
// client address and refuses an address that failed Max times within
// Window until the window has passed. It remembers at most a bounded
// number of addresses, forgetting the oldest first.
type FailureLimiter struct {
	Max    int
	Window time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time

	mu   sync.Mutex
	seen map[string]*failures
}

type failures struct {
	count int
	since time.Time
}

// maxTracked bounds the addresses a FailureLimiter remembers.
const maxTracked = 100_000

func (l *FailureLimiter) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// Blocked reports whether addr must wait before trying again, and how long.
func (l *FailureLimiter) Blocked(addr string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.seen[addr]
	if !ok {
		return 0, false
	}
	left := f.since.Add(l.Window).Sub(l.now())
	if left <= 0 {
		delete(l.seen, addr)
		return 0, false
	}
	return left, f.count >= l.Max
}

// Fail records a failed authentication from addr.
func (l *FailureLimiter) Fail(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.seen == nil {
		l.seen = map[string]*failures{}
	}
	f, ok := l.seen[addr]
	if !ok || now.Sub(f.since) >= l.Window {
		if !ok && len(l.seen) >= maxTracked {
			l.forgetOldest()
		}
		l.seen[addr] = &failures{count: 1, since: now}
		return
	}
	f.count++
}

func (l *FailureLimiter) forgetOldest() {
	var oldest string
	var at time.Time
	for a, f := range l.seen {
		if oldest == "" || f.since.Before(at) {
			oldest, at = a, f.since
		}
	}
	delete(l.seen, oldest)
}
