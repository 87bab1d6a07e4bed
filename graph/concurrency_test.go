package graph_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
)

// TestConcurrentWritersNeverSeeLockedDatabase runs many writers and readers
// at once against one SQLite file: every request must succeed.
func TestConcurrentWritersNeverSeeLockedDatabase(t *testing.T) {
	s := newTestServer(t)
	shared := s.createApp(t, "shared")
	const writers, each = 8, 15
	var wg sync.WaitGroup
	errs := make(chan string, writers*each*2)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				res := s.query(t, `mutation($n:String!) {
					a: createApplication(input:{name:$n}) { id }
					r: createRelease(input:{name:$n}) { id } }`, vars("n", fmt.Sprintf("w%d-%d", w, i)))
				for _, e := range res.Errors {
					errs <- e.Message
				}
				var created struct{ A struct{ ID string } }
				if err := json.Unmarshal(res.Data, &created); err != nil || created.A.ID == "" {
					errs <- fmt.Sprintf("no id in %s", res.Data)
					continue
				}
				res = s.query(t, `mutation($c:ID!,$p:ID!) { createDependency(input:{consumerID:$c, providerID:$p}) { id } }`,
					vars("c", created.A.ID, "p", shared))
				for _, e := range res.Errors {
					errs <- e.Message
				}
				res = s.query(t, `{ applications(first:5) { totalCount } }`, nil)
				for _, e := range res.Errors {
					errs <- e.Message
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("request failed: %s", e)
	}
	var out struct {
		Applications struct{ TotalCount int }
		Releases     struct{ TotalCount int }
	}
	s.ok(t, `{ applications { totalCount } releases { totalCount } }`, nil, &out)
	var deps struct{ Dependencies struct{ TotalCount int } }
	s.ok(t, `{ dependencies { totalCount } }`, nil, &deps)
	if out.Applications.TotalCount != writers*each+1 || out.Releases.TotalCount != writers*each || deps.Dependencies.TotalCount != writers*each {
		t.Fatalf("lost writes: %+v", out)
	}
}
