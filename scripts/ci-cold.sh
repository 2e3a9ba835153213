#!/usr/bin/env bash
# Measures the CI times README "CI times" records: .ci/run on a fresh clone of a branch
# (main by default) with an empty GOCACHE, an empty GOMODCACHE and a fresh HOME (so no
# cached Terraform or OpenTofu either), all in temporary directories removed at exit, and
# prints the elapsed time. With --warm, .ci/run then runs again on a second fresh clone
# with the caches the first run left (GOCACHE, GOMODCACHE, ~/.cache/gradient-terraform),
# and both times are printed.
#
#   scripts/ci-cold.sh [--warm] [BRANCH]
#
# The environment is emptied (env -i) but for PATH (the system's and this go's), CI=true,
# and the caller's proxy and certificate variables when set. The log of each run goes to
# stdout as it runs; the last lines are the times. Takes 30 minutes or more on two cores.
set -euo pipefail

warm=false
if [ "${1:-}" = "--warm" ]; then
  warm=true
  shift
fi
branch=${1:-main}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

go_bin=$(dirname "$(command -v go)")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gradient-ci-cold.XXXXXX")
# The module cache is read-only: make it writable to remove it.
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir "$tmp/home" "$tmp/gocache" "$tmp/gomodcache"

pass=()
for v in GOPROXY GOSUMDB GONOSUMDB GOPRIVATE GOINSECURE HTTP_PROXY HTTPS_PROXY NO_PROXY \
  http_proxy https_proxy no_proxy SSL_CERT_FILE SSL_CERT_DIR; do
  if [ -n "${!v:-}" ]; then pass+=("$v=${!v}"); fi
done

# run_ci NAME: a fresh clone in $tmp/NAME, then .ci/run in it; prints the elapsed seconds
# to fd 3 and returns .ci/run's status.
run_ci() {
  local src="$tmp/$1" began status
  git clone --quiet --branch "$branch" "$root" "$src"
  printf '==> ci-cold: .ci/run (%s) on %s at %s\n' "$1" "$(git -C "$src" log -1 --format='%h %s')" "$(date -u +%FT%TZ)"
  began=$(date +%s)
  status=0
  env -i HOME="$tmp/home" PATH="$go_bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    GOCACHE="$tmp/gocache" GOMODCACHE="$tmp/gomodcache" CI=true "${pass[@]}" \
    bash "$src/.ci/run" || status=$?
  echo $(($(date +%s) - began)) >&3
  return "$status"
}

mmss() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

exec 3>"$tmp/cold.secs"
status=0
run_ci cold || status=$?
cold=$(cat "$tmp/cold.secs")
printf '\nci-cold: cold .ci/run: exit %d after %ss (%s)\n' "$status" "$cold" "$(mmss "$cold")"
if $warm && [ "$status" -eq 0 ]; then
  exec 3>"$tmp/warm.secs"
  run_ci warm || status=$?
  w=$(cat "$tmp/warm.secs")
  printf '\nci-cold: cold .ci/run: %ss (%s); warm .ci/run: exit %d after %ss (%s)\n' \
    "$cold" "$(mmss "$cold")" "$status" "$w" "$(mmss "$w")"
fi
exit "$status"
