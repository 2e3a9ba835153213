#!/usr/bin/env bash
# Prints the path of an OpenTofu CLI >= 1.12 (the version `make test-opentofu` is tested with).
#
# Order: $TF_ACC_TOFU_PATH, then `tofu` on PATH, each only when new enough; else a binary
# built from the Go module proxy and cached under $GRADIENT_TF_CACHE (default
# ~/.cache/gradient-terraform), next to the Terraform of scripts/terraform.sh, in a directory
# named after its version and with its sha256 checked before every use (cli-common.sh). No release
# download is needed: OpenTofu's module is fetched as source and built with the local Go
# toolchain. Its go.mod replaces hcl/v2 with OpenTofu's fork; a replace only applies in the
# main module, so the CLI is built inside a writable copy of the module, not with
# `go install module@version`.
set -euo pipefail

TOFU_VERSION="${GRADIENT_TOFU_VERSION:-1.12.6}"
MIN_MINOR=12
# shellcheck source=cli-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli-common.sh"

log() { printf 'tofu.sh: %s\n' "$*" >&2; }

new_enough() {
  local v
  v=$(cli_version "$1") || return 1
  minor_at_least "$v" "$MIN_MINOR"
}

if [ -n "${TF_ACC_TOFU_PATH:-}" ] && new_enough "$TF_ACC_TOFU_PATH"; then
  echo "$TF_ACC_TOFU_PATH"; exit 0
fi
if command -v tofu >/dev/null 2>&1 && new_enough "$(command -v tofu)"; then
  command -v tofu; exit 0
fi

bin="$CACHE/opentofu-$TOFU_VERSION/tofu"
if cached_ok "$bin" && new_enough "$bin"; then
  echo "$bin"; exit 0
fi
cache_lock "$CACHE/opentofu-$TOFU_VERSION"
# Another run may have built it while this one waited for the lock.
if cached_ok "$bin" && new_enough "$bin"; then
  echo "$bin"; exit 0
fi

if [ -e "$bin" ]; then
  log "$bin does not match $bin.sha256 (or has none, or is too old); building it again"
fi
log "no OpenTofu >= 1.$MIN_MINOR found; building v$TOFU_VERSION from source (a few minutes)"
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

dir=$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "github.com/opentofu/opentofu@v$TOFU_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$dir" ] || { log "go mod download gave no directory"; exit 1; }
cp -r "$dir" "$work/src"
chmod -R u+w "$work/src"
cd "$work/src"

# dev=no drops the "-dev" suffix, as in OpenTofu's release builds.
GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath \
  -ldflags "-X github.com/opentofu/opentofu/version.dev=no" \
  -o "$work/tofu" ./cmd/tofu
new_enough "$work/tofu" || { log "built binary does not report >= 1.$MIN_MINOR"; exit 1; }
cache_install "$work/tofu" "$bin"
log "cached $bin ($(cut -d' ' -f1 "$bin.sha256") in $bin.sha256)"
echo "$bin"
