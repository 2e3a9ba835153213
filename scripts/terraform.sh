#!/usr/bin/env bash
# Prints the path of a Terraform CLI.
#
#   scripts/terraform.sh          a Terraform >= 1.14 (actions and `terraform query` need it)
#   scripts/terraform.sh 1.11.4   exactly that version (`make test-terraform-old`)
#
# Without an argument: $TF_ACC_TERRAFORM_PATH, then `terraform` on PATH, each only when new
# enough; else a binary built from the Go module proxy and cached under $GRADIENT_TF_CACHE
# (default ~/.cache/gradient-terraform) in a directory named after its version, with its
# sha256 recorded next to it and checked before every use (cli-common.sh). With a version: only that cache, so the version
# tested is the one built here, whatever else is installed. No release download is needed: the Terraform
# module is fetched as source, its nested state-backend modules (not in the module zip)
# are dropped, and the CLI is built with the local Go toolchain. The same recipe builds
# 1.11 to 1.15 (1.11 has no oci backend: dropping it is then a no-op).
set -euo pipefail

EXACT="${1:-}"
if [ -n "$EXACT" ]; then
  EXACT=${EXACT#v}
  case "$EXACT" in
    [0-9]*.[0-9]*.[0-9]*) ;;
    *) printf 'terraform.sh: version %s is not MAJOR.MINOR.PATCH\n' "$1" >&2; exit 2 ;;
  esac
fi
TF_VERSION="${EXACT:-${GRADIENT_TF_VERSION:-1.15.0}}"
MIN_MINOR=14
# shellcheck source=cli-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli-common.sh"

log() { printf 'terraform.sh: %s\n' "$*" >&2; }

new_enough() {
  local v
  v=$(cli_version "$1") || return 1
  if [ -n "$EXACT" ]; then [ "$v" = "$EXACT" ]; return; fi
  minor_at_least "$v" "$MIN_MINOR"
}

if [ -z "$EXACT" ]; then
  if [ -n "${TF_ACC_TERRAFORM_PATH:-}" ] && new_enough "$TF_ACC_TERRAFORM_PATH"; then
    echo "$TF_ACC_TERRAFORM_PATH"; exit 0
  fi
  if command -v terraform >/dev/null 2>&1 && new_enough "$(command -v terraform)"; then
    command -v terraform; exit 0
  fi
fi

bin="$CACHE/$TF_VERSION/terraform"
if cached_ok "$bin" && new_enough "$bin"; then
  echo "$bin"; exit 0
fi
cache_lock "$CACHE/$TF_VERSION"
# Another run may have built it while this one waited for the lock.
if cached_ok "$bin" && new_enough "$bin"; then
  echo "$bin"; exit 0
fi

if [ -n "$EXACT" ]; then want="Terraform $EXACT"; else want="Terraform >= 1.$MIN_MINOR"; fi
if [ -e "$bin" ]; then
  log "$bin does not match $bin.sha256 (or has none, or reports another version); building it again"
fi
log "no $want found; building v$TF_VERSION from source (about 2 minutes on an idle machine)"
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

dir=$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "github.com/hashicorp/terraform@v$TF_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$dir" ] || { log "go mod download gave no directory"; exit 1; }
cp -r "$dir" "$work/src"
chmod -R u+w "$work/src"
cd "$work/src"

backends="azure consul cos gcs kubernetes oss pg s3 oci"
for b in $backends; do
  m="github.com/hashicorp/terraform/internal/backend/remote-state/$b"
  go mod edit -dropreplace="$m" -droprequire="$m"
  sed -i "\#\"$m\"#d" internal/backend/init/init.go
done
go mod edit -dropreplace=github.com/hashicorp/terraform/internal/legacy -droprequire=github.com/hashicorp/terraform/internal/legacy
# Up to 1.11, go.mod sets `godebug tlskyber=0` (off a TLS key exchange Go 1.24 removed),
# which newer Go toolchains refuse as unknown; the exchange it turned off no longer exists.
go mod edit -dropgodebug=tlskyber
# Registration lines read like: "s3": func(enc encryption.StateEncryption) backend.Backend { return backendS3.New(enc) },
for alias in backendAzure backendConsul backendCos backendGCS backendKubernetes backendOSS backendPg backendS3 backendOCI; do
  sed -i "/$alias\./d" internal/backend/init/init.go
done

GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath \
  -ldflags "-X github.com/hashicorp/terraform/version.dev=no" \
  -o "$work/terraform" .
new_enough "$work/terraform" || { log "built binary does not report $want"; exit 1; }
cache_install "$work/terraform" "$bin"
log "cached $bin ($(cut -d' ' -f1 "$bin.sha256") in $bin.sha256)"
echo "$bin"
