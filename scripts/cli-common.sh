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
