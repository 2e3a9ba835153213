package provider

import (
	"strings"
	"testing"

	"github.com/gradient-tf/terraform-provider-gradient/internal/filegraph"
)

// maxFileLevels is how deep this package's files may stack: each file can be read knowing
// only the files below it, and no reader needs more than this many layers.
const maxFileLevels = 5

// TestFileLevels keeps this package's files in levels: no two files depend on each other,
// directly or around a cycle, and there are at most maxFileLevels levels. A file depends on
// another when it uses a name the other declares (a package-level name, or a method or a
// field of a type declared there). `go run ./internal/filegraph/cmd/filegraph ./internal/provider`
// prints the graph.
func TestFileLevels(t *testing.T) {
	t.Parallel()
	g, err := filegraph.Load(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range g.Cycles() {
		t.Errorf("these %d files depend on each other around a cycle: %s", len(c), strings.Join(c, ", "))
	}
	if n := len(g.Levels()); n > maxFileLevels {
		t.Errorf("%d levels of files, want at most %d", n, maxFileLevels)
	}
	if t.Failed() {
		t.Logf("file graph:\n%s", g)
	}
}
