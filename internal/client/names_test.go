package client_test

import (
	"strings"
	"testing"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

// A rename takes exactly the names DigitalOcean's droplet schema allows: the pattern
// ^[a-zA-Z0-9]?[a-z0-9A-Z.\-]*[a-z0-9A-Z]$ and at most 255 characters. The error names the
// parameter and cites the rule.
func TestRenameTakesDigitalOceansDropletNameRule(t *testing.T) {
	t.Parallel()
	for _, name := range []string{
		"a", "web-01", "Web-01.example.com", "-web", ".web", "9", strings.Repeat("a", 255),
	} {
		r := client.ActionRequest{Type: client.ActionRename, Name: name}
		if err := r.Validate(); err != nil {
			t.Errorf("rename to %q refused: %v", name, err)
		}
	}
	for _, name := range []string{
		strings.Repeat("a", 256), strings.Repeat("a", 300), "web-", "web.", "-", ".",
		"my web server!", "web_1", "wéb", "web\n",
	} {
		r := client.ActionRequest{Type: client.ActionRename, Name: name}
		err := r.Validate()
		wantValidationError(t, err, "name")
		for _, cite := range []string{client.DropletNamePattern, "255 characters"} {
			if !strings.Contains(err.Error(), cite) {
				t.Errorf("rename to %.20q: the error does not cite %q: %v", name, cite, err)
			}
		}
	}
	// A snapshot's name is not a droplet's: DigitalOcean documents no rule for it.
	r := client.ActionRequest{Type: client.ActionSnapshot, Name: "nightly backup #3 (pre-upgrade)"}
	if err := r.Validate(); err != nil {
		t.Errorf("snapshot name refused: %v", err)
	}
}

// A tag is what DigitalOcean's tag schema allows, ^[a-zA-Z0-9_\-\:]+$ and at most 255
// characters; anything else is refused by every call that takes a tag, before a request.
func TestTagNameRule(t *testing.T) {
	t.Parallel()
	for _, tag := range []string{"web", "env:prod", "team_a-web:1", strings.Repeat("t", 255)} {
		if err := client.ValidTagName(tag); err != nil {
			t.Errorf("ValidTagName(%q): %v", tag, err)
		}
	}
	for _, tag := range []string{"", " ", "my web servers", "web & db", "web/db", "web.example", "wéb", strings.Repeat("t", 256)} {
		err := client.ValidTagName(tag)
		wantValidationError(t, err, "tag_name")
		for _, cite := range []string{client.TagNamePattern, "255 characters"} {
			if !strings.Contains(err.Error(), cite) {
				t.Errorf("ValidTagName(%.20q): the error does not cite %q: %v", tag, cite, err)
			}
		}
	}
}

func TestTagCallsRefuseAnInvalidTagBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	for _, tag := range []string{"my web servers", strings.Repeat("t", 256)} {
		s := newScript(t) // any request fails the test
		c := newClient(t, s.URL())
		_, _, err := c.InitiateByTag(t.Context(), tag, client.ActionRequest{Type: client.ActionPowerOn})
		wantValidationError(t, err, "tag_name")
		_, err = c.DropletsByTag(t.Context(), tag)
		wantValidationError(t, err, "tag_name")
		_, err = c.DropletIDsByTag(t.Context(), tag)
		wantValidationError(t, err, "tag_name")
		_, err = c.ListDroplets(t.Context(), tag)
		wantValidationError(t, err, "tag_name")
	}
}
