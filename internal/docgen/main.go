// Command docgen writes the parts of the documentation templates that the action-type
// table (internal/client/actiontypes.go) decides: the list of action types on the index
// page and the scopes each type needs in the first-apply guide. Each part sits between a
// begin and an end marker, named by its key; the rest of a template is hand-written.
// `make generate` runs it before tfplugindocs; with -check it changes nothing and fails
// when a template is out of date.
//
//	go run ./internal/docgen [-check] [-root DIR]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

// part is one generated region of a template.
type part struct {
	file, key string
	render    func() string
}

var parts = []part{
	{"templates/index.md.tmpl", "action-types", typeList},
	{"templates/guides/first-apply.md.tmpl", "action-type-scopes", scopeTable},
}

func main() {
	check := flag.Bool("check", false, "change nothing; fail when a template is out of date")
	root := flag.String("root", ".", "the repository's root")
	flag.Parse()
	stale := false
	for _, p := range parts {
		path := filepath.Join(*root, p.file)
		old, err := os.ReadFile(path)
		if err != nil {
			fail(err)
		}
		updated, err := replace(old, p.key, p.render())
		if err != nil {
			fail(fmt.Errorf("%s: %w", p.file, err))
		}
		if bytes.Equal(old, updated) {
			continue
		}
		if *check {
			fmt.Fprintf(os.Stderr, "%s: the part %q is out of date: run 'make generate'\n", p.file, p.key)
			stale = true
			continue
		}
		if err := os.WriteFile(path, updated, 0o644); err != nil { //nolint:gosec // a documentation template, world-readable like the rest of the checkout
			fail(err)
		}
	}
	if stale {
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "docgen:", err)
	os.Exit(1)
}

func begin(key string) string {
	return "<!-- begin generated " + key + ": internal/docgen writes this part from the action-type table -->"
}
func end(key string) string { return "<!-- end generated " + key + " -->" }

// replace puts body between the key's markers, which must each appear once, in order.
func replace(doc []byte, key, body string) ([]byte, error) {
	s := string(doc)
	b, e := begin(key), end(key)
	i, j := strings.Index(s, b), strings.Index(s, e)
	if i < 0 || j < i || strings.Count(s, b) != 1 || strings.Count(s, e) != 1 {
		return nil, fmt.Errorf("want one %q followed by one %q", b, e)
	}
	return []byte(s[:i+len(b)] + "\n" + body + s[j:]), nil
}

// typeList is the sentence naming every action type, wrapped at 95 columns.
func typeList() string {
	names := client.ActionTypeNames()
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = "`" + n + "`"
	}
	last := len(quoted) - 1
	sentence := "The action types are " + strings.Join(quoted[:last], ", ") + " and " + quoted[last] +
		"; the resource page lists what each one does and takes."
	return wrap(sentence, 95)
}

// scopeTable is the table of the scopes each action type needs.
func scopeTable() string {
	var b strings.Builder
	b.WriteString("| action type | scopes |\n|---|---|\n")
	for _, t := range client.ActionTypes() {
		scopes := "`droplet:read`, `droplet:update`"
		if t.Scope != "" {
			scopes += ", `" + t.Scope + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s |\n", t.Type, scopes)
	}
	return b.String()
}

func wrap(s string, width int) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = w
			continue
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return strings.Join(append(lines, line), "\n") + "\n"
}
