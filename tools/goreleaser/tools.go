//go:build tools

// Package goreleaser pins GoReleaser for `make release-snapshot`. It is a module of its own,
// apart from ../go.mod: GoReleaser's many dependencies would otherwise move the versions
// golangci-lint and tfplugindocs are built with.
package goreleaser

import (
	// Release builder (make release-snapshot).
	_ "github.com/goreleaser/goreleaser/v2"
)
