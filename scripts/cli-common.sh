# shellcheck shell=bash
# Sourced by scripts/terraform.sh and scripts/tofu.sh: where built CLIs are cached, the
# empty CLI config, and reading a CLI's version.

CACHE="${GRADIENT_TF_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gradient-terraform}"

# An empty CLI config silences the warning about a missing TF_CLI_CONFIG_FILE (OpenTofu
# reads the same variable).
if [ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -f "$TF_CLI_CONFIG_FILE" ]; then
  mkdir -p "$CACHE"
  : >"$CACHE/empty.tfrc"
  export TF_CLI_CONFIG_FILE="$CACHE/empty.tfrc"
fi

# cli_version BIN prints the version BIN reports, and fails when it reports none. Both
# CLIs' `version -json` use the key "terraform_version".
cli_version() {
  local v
  [ -x "$1" ] || return 1
  v=$("$1" version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([0-9.]*\).*/\1/p' | head -n1)
  [ -n "$v" ] || return 1
  echo "$v"
}

# minor_at_least VERSION MIN_MINOR: VERSION is 1.MIN_MINOR or later.
minor_at_least() {
  local major minor
  major=${1%%.*}; minor=${1#*.}; minor=${minor%%.*}
  [ "$major" -gt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -ge "$2" ]; }
}

# The cache: one directory per CLI and version (terraform.sh: VERSION/terraform, tofu.sh:
# opentofu-VERSION/tofu), each binary next to BIN.sha256, the sha256 of the binary as built
# (a `sha256sum` line). A cached binary is used only when its checksum file is there and
# matches; else it is built again. (The CLI's source itself comes through `go mod
# download`, verified against the Go checksum database.)

# sha256_of FILE prints FILE's sha256.
sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

# cached_ok BIN: BIN is there, executable, and matches the sha256 recorded in BIN.sha256.
cached_ok() {
  local want
  [ -x "$1" ] && [ -f "$1.sha256" ] || return 1
  want=$(cut -d' ' -f1 "$1.sha256")
  [ -n "$want" ] && [ "$want" = "$(sha256_of "$1")" ]
}

# cache_install BUILT BIN: copies the freshly built BUILT to BIN (through a temporary file
# in BIN's directory, renamed into place) and records its sha256 in BIN.sha256.
cache_install() {
  cp "$1" "$2.tmp.$$"
  printf '%s  %s\n' "$(sha256_of "$2.tmp.$$")" "$(basename "$2")" >"$2.sha256.tmp.$$"
  mv -f "$2.tmp.$$" "$2"
  mv -f "$2.sha256.tmp.$$" "$2.sha256"
}

# cache_lock DIR creates DIR and holds an exclusive lock on DIR/.lock until the script
# exits, so that runs needing the same CLI at once (parallel CI stages, two terminals)
# build it once: the second waits, then finds it cached. Without flock(1), no lock.
cache_lock() {
  mkdir -p "$1"
  command -v flock >/dev/null 2>&1 || return 0
  exec 9>"$1/.lock"
  flock 9
}
