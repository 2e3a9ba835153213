// Package filegraph computes the graph of a Go package's files: file A depends on file B
// when A uses a name that B declares (a package-level name, or a method or a field of a
// type that B declares). A package whose files form no cycle can be read from its lowest
// level up; the project keeps internal/provider that way (see its levels_test.go).
package filegraph

import (
	"fmt"
	"go/ast"
	"go/types"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"
)

// Graph is the file graph of one package. File names are base names.
type Graph struct {
	Files []string
	// Deps maps a file to the files it depends on, sorted.
	Deps map[string][]string
}

// Load type-checks the package in dir (its non-test files) and returns its file graph.
func Load(dir string) (*Graph, error) {
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo,
		Dir:  dir,
	}
	pkgs, err := packages.Load(cfg, ".")
	if err != nil {
		return nil, err
	}
	if len(pkgs) != 1 {
		return nil, fmt.Errorf("%s: %d packages, want 1", dir, len(pkgs))
	}
	p := pkgs[0]
	if len(p.Errors) > 0 {
		return nil, fmt.Errorf("%s: %w", dir, p.Errors[0])
	}
	return build(p), nil
}

func build(p *packages.Package) *Graph {
	fileOf := func(n ast.Node) string { return filepath.Base(p.Fset.Position(n.Pos()).Filename) }
	declared := map[types.Object]string{}
	for id, obj := range p.TypesInfo.Defs {
		if obj == nil || obj.Pkg() != p.Types || !counts(obj, p.Types) {
			continue
		}
		declared[obj] = fileOf(id)
	}
	deps := map[string]map[string]bool{}
	g := &Graph{Deps: map[string][]string{}}
	for _, f := range p.Syntax {
		name := fileOf(f)
		g.Files = append(g.Files, name)
		deps[name] = map[string]bool{}
	}
	for id, obj := range p.TypesInfo.Uses {
		if v, ok := obj.(*types.Var); ok && v.Origin() != nil {
			obj = v.Origin()
		}
		if f, ok := obj.(*types.Func); ok && f.Origin() != nil {
			obj = f.Origin()
		}
		from, to := fileOf(id), declared[obj]
		if to != "" && to != from {
			deps[from][to] = true
		}
	}
	sort.Strings(g.Files)
	for from, tos := range deps {
		for to := range tos {
			g.Deps[from] = append(g.Deps[from], to)
		}
		sort.Strings(g.Deps[from])
	}
	return g
}

// counts reports whether obj is a name the graph follows: package-level, or a method or a
// field (of a type declared in the package).
func counts(obj types.Object, pkg *types.Package) bool {
	switch o := obj.(type) {
	case *types.Func:
		return o.Parent() == pkg.Scope() || o.Signature().Recv() != nil
	case *types.Var:
		return o.IsField() || o.Parent() == pkg.Scope()
	default:
		return obj.Parent() == pkg.Scope()
	}
}

// Cycles returns the groups of files that depend on each other, each sorted, largest
// first; none when the graph is acyclic.
func (g *Graph) Cycles() [][]string {
	index := map[string]int{}
	low := map[string]int{}
	onStack := map[string]bool{}
	var stack []string
	var out [][]string
	n := 0
	var visit func(string)
	visit = func(v string) {
		index[v], low[v] = n, n
		n++
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range g.Deps[v] {
			if _, seen := index[w]; !seen {
				visit(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] != index[v] {
			return
		}
		var scc []string
		for {
			w := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			onStack[w] = false
			scc = append(scc, w)
			if w == v {
				break
			}
		}
		if len(scc) > 1 {
			sort.Strings(scc)
			out = append(out, scc)
		}
	}
	for _, f := range g.Files {
		if _, seen := index[f]; !seen {
			visit(f)
		}
	}
	slices.SortFunc(out, func(a, b []string) int { return len(b) - len(a) })
	return out
}

// Levels returns the files by level: level 1 depends on no other file, and a file is one
// level above the highest file it depends on. Files in a cycle share the level of their
// group, so Levels is defined for any graph; with cycles it is not a reading order.
func (g *Graph) Levels() [][]string {
	group := map[string]string{}
	for _, c := range g.Cycles() {
		for _, f := range c {
			group[f] = c[0]
		}
	}
	rep := func(f string) string {
		if r, ok := group[f]; ok {
			return r
		}
		return f
	}
	level := map[string]int{}
	var depth func(string, map[string]bool) int
	depth = func(f string, visiting map[string]bool) int {
		r := rep(f)
		if l, ok := level[r]; ok {
			return l
		}
		visiting[r] = true
		l := 1
		for _, m := range g.Files {
			if rep(m) != r {
				continue
			}
			for _, d := range g.Deps[m] {
				if rd := rep(d); rd != r && !visiting[rd] {
					l = max(l, depth(d, visiting)+1)
				}
			}
		}
		delete(visiting, r)
		level[r] = l
		return l
	}
	var out [][]string
	for _, f := range g.Files {
		l := depth(f, map[string]bool{})
		for len(out) < l {
			out = append(out, nil)
		}
		out[l-1] = append(out[l-1], f)
	}
	return out
}

// String lists the files by level, each with what it depends on, and the cycles.
func (g *Graph) String() string {
	var b strings.Builder
	for i, files := range g.Levels() {
		fmt.Fprintf(&b, "level %d:\n", i+1)
		for _, f := range files {
			fmt.Fprintf(&b, "  %s -> %s\n", f, strings.Join(g.Deps[f], ", "))
		}
	}
	for _, c := range g.Cycles() {
		fmt.Fprintf(&b, "cycle of %d files: %s\n", len(c), strings.Join(c, ", "))
	}
	return b.String()
}
