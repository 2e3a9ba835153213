package client

import (
	"context"
	"strings"
	"unicode/utf8"
)

// Debug records and error texts: the token is replaced wherever it might appear, and
// texts taken from responses are made valid UTF-8 and bounded.

// debug hands a record to the Logger with the token replaced in every string field, so
// that no body or error echoing it reaches a log.
func (c *Client) debug(ctx context.Context, msg string, fields map[string]any) {
	if c.cfg.Logger == nil {
		return
	}
	for k, v := range fields {
		if str, ok := v.(string); ok {
			fields[k] = c.redact(str)
		}
	}
	c.cfg.Logger(ctx, msg, fields)
}

// redact replaces the client's token in s.
func (c *Client) redact(s string) string {
	if c.cfg.Token == "" {
		return s
	}
	return strings.ReplaceAll(s, c.cfg.Token, "REDACTED")
}

// errorTextMax bounds each text an APIError takes from a response.
const errorTextMax = 256

// shorten makes s valid UTF-8 and cuts it to at most n bytes at a character boundary,
// marking a cut with "…".
func shorten(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
