#!/usr/bin/env bash
# `make test-live-fake`: a dry run of the live tests (internal/provider/live_test.go) with
# every variable they need, against the fake DigitalOcean API instead of DigitalOcean, so
# that the tests a newcomer runs against a real account are known to work before they do.
#
# The real run needs a DigitalOcean token and a droplet that may be rebooted:
#   TF_ACC=1 TF_ACC_LIVE=1 TF_ACC_TERRAFORM_PATH="$(scripts/terraform.sh)" \
#   DIGITALOCEAN_ACCESS_TOKEN=dop_v1_... GRADIENT_LIVE_DROPLET_ID=123456789 GRADIENT_LIVE_REBOOT=1 \
#   go test ./internal/provider -run '^TestLive' -v -count=1
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gradient-live-fake.XXXXXX")
fake_pid=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$fake_pid" ] && kill -0 "$fake_pid" 2>/dev/null; then
    kill "$fake_pid" 2>/dev/null || true
    wait "$fake_pid" 2>/dev/null || true
  fi
  [ "$status" -eq 0 ] || { echo "The fake API logged:" >&2; tail -n 40 "$tmp/fake.log" >&2 || true; }
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

go build -o "$tmp/gradient-fakeapi" ./internal/fakeapi/cmd/gradient-fakeapi
"$tmp/gradient-fakeapi" -droplets 1 -history 3 -duration 2s -v -url-file "$tmp/url" 2>"$tmp/fake.log" &
fake_pid=$!
for _ in $(seq 1 100); do
  [ -s "$tmp/url" ] && break
  kill -0 "$fake_pid" 2>/dev/null || { echo "the fake API exited before it was ready" >&2; exit 1; }
  sleep 0.1
done
[ -s "$tmp/url" ] || { echo "the fake API did not start within 10 s" >&2; exit 1; }

tf=$("$root/scripts/terraform.sh")
export TF_ACC=1 TF_ACC_TERRAFORM_PATH="$tf" TF_ACC_LIVE=1 \
  DIGITALOCEAN_ACCESS_TOKEN=fake-token GRADIENT_BASE_URL="$(head -n1 "$tmp/url")" \
  GRADIENT_LIVE_DROPLET_ID=1001 GRADIENT_LIVE_REBOOT=1
unset DIGITALOCEAN_TOKEN DIGITALOCEAN_API_URL
set -x
go test ./internal/provider -run '^TestLive' -v -count=1 2>&1 | tee "$tmp/test.log"
set +x
# Both must have run, not skipped.
for t in TestLiveDropletActions TestLiveReboot; do
  grep -q -- "--- PASS: $t " "$tmp/test.log" || { echo "$t did not pass" >&2; exit 1; }
done
grep -q 'POST /v2/droplets/1001/actions' "$tmp/fake.log" || { echo "the reboot never reached the fake" >&2; exit 1; }
