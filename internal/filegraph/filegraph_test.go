package filegraph_test

import (
	"slices"
	"testing"

	"github.com/gradient-tf/terraform-provider-gradient/internal/filegraph"
)

// TestGraph checks the graph of a small package: a field, a method and a function each
// make an edge, a.go and b.go form a cycle, and the levels follow the edges.
func TestGraph(t *testing.T) {
	t.Parallel()
	g, err := filegraph.Load("testdata/cyclic")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"a.go": {"b.go", "c.go", "d.go"},
		"b.go": {"a.go"},
		"c.go": {"d.go"},
	}
	for f, deps := range want {
		if !slices.Equal(g.Deps[f], deps) {
			t.Errorf("%s depends on %v, want %v", f, g.Deps[f], deps)
		}
	}
	if len(g.Deps["d.go"]) != 0 {
		t.Errorf("d.go depends on %v, want nothing", g.Deps["d.go"])
	}
	cycles := g.Cycles()
	if len(cycles) != 1 || !slices.Equal(cycles[0], []string{"a.go", "b.go"}) {
		t.Errorf("cycles %v, want [[a.go b.go]]", cycles)
	}
	levels := g.Levels()
	wantLevels := [][]string{{"d.go"}, {"c.go"}, {"a.go", "b.go"}}
	if !slices.EqualFunc(levels, wantLevels, slices.Equal) {
		t.Errorf("levels %v, want %v", levels, wantLevels)
	}
}
