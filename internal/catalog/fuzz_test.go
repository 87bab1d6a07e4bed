package catalog_test

import (
	"os"
	"strings"
	"testing"

	"github.com/relgraph/relgraph/internal/catalog"
)

// FuzzParseBackstage: any input gives documents or problems, never a panic;
// a problem names the file and a line within it, and a document an
// application or why it is skipped.
func FuzzParseBackstage(f *testing.F) {
	for _, path := range fixtures {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("kind: Component\nmetadata: {name: a, annotations: {relgraph.io/name: ''}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, err := catalog.ParseBackstage("f.yaml", data)
		lines := strings.Count(string(data), "\n") + 1
		for _, p := range catalog.Problems(err) {
			if p.File != "f.yaml" || p.Line < 0 || p.Line > lines+1 || p.Message == "" {
				t.Fatalf("problem %q", p)
			}
		}
		if err != nil && catalog.Problems(err) == nil {
			t.Fatalf("an error without problems: %v", err)
		}
		for _, d := range docs {
			if d.Ref.Name == "" || (d.Application == "") == (d.Skipped == "") {
				t.Fatalf("document %+v", d)
			}
		}
	})
}
