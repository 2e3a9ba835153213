//go:build tools

// Package tools pins the versions of the generators and linters used by the
// GNUmakefile. It lives in its own module so that these dependencies never
// reach the provider's go.mod.
package tools

import (
	// Documentation generator (make generate / make check-generate).
	_ "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs"

	// Linter (make lint).
	_ "github.com/golangci/golangci-lint/v2/cmd/golangci-lint"

	// Benchmark comparison (make bench).
	_ "golang.org/x/perf/cmd/benchstat"
)
