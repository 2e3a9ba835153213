#!/usr/bin/env bash
# `make demo`: builds the provider, starts the fake DigitalOcean API on 127.0.0.1 with three
# droplets, and applies examples/demo/main.tf against it: a shutdown -> resize -> power_on
# chain on droplet 1001, a snapshot of 1002 (and the image it made) and a rename of 1003, keeps
# 1003 off and 1002 on with gradient_droplet_power, then reads 1001's history. Last, `terraform
# query -generate-config-out` writes the configuration that adopts the three droplets under
# gradient_droplet_power as they are (examples/demo/query), and the plan imports them with no
# changes. Then a short gradient_droplet_rollout reboots droplets 1001 and 1002 one at a time,
# each gated on the fake's health endpoint (examples/demo/rollout).
#
# Needs Go and bash; Terraform >= 1.14 comes from scripts/terraform.sh; jq is optional (for
# the summary table). No DigitalOcean account, no network beyond the Go module proxy.
# Everything lives in a temporary directory that is removed on exit, even after a failure
# or Ctrl-C; the fake API is stopped with it.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

log() { printf '\n==> %s\n' "$*"; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gradient-demo.XXXXXX")
fake_pid=""

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$fake_pid" ] && kill -0 "$fake_pid" 2>/dev/null; then
    kill "$fake_pid" 2>/dev/null || true
    wait "$fake_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
  if [ "$status" -ne 0 ]; then
    printf '\ndemo failed (exit %d); the fake API is stopped and %s removed.\n' "$status" "$tmp" >&2
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start=$SECONDS
mkdir -p "$tmp/bin" "$tmp/fake" "$tmp/work" "$tmp/query"

log "Building the provider and the fake API"
# One go build compiles both commands in parallel; the provider's directory must hold only
# the provider, for dev_overrides below.
go build -o "$tmp/fake/" . ./internal/fakeapi/cmd/gradient-fakeapi
mv "$tmp/fake/terraform-provider-gradient" "$tmp/bin/"

log "Finding Terraform >= 1.14"
tf=$("$root/scripts/terraform.sh")
"$tf" version | sed -n 1p   # sed reads to the end: head would leave terraform a broken pipe (exit 141)

log "Starting the fake DigitalOcean API on 127.0.0.1 (droplets 1001-1003, actions take 2 s)"
url_file="$tmp/fake/url"
"$tmp/fake/gradient-fakeapi" -addr 127.0.0.1:0 -droplets 3 -duration 2s -url-file "$url_file" \
  2>"$tmp/fake/log" &
fake_pid=$!
for _ in $(seq 1 100); do
  [ -s "$url_file" ] && break
  if ! kill -0 "$fake_pid" 2>/dev/null; then
    echo "the fake API exited before it was ready:" >&2
    cat "$tmp/fake/log" >&2
    exit 1
  fi
  sleep 0.1
done
if [ ! -s "$url_file" ]; then
  echo "the fake API did not write $url_file within 10 s:" >&2
  cat "$tmp/fake/log" >&2
  exit 1
fi
api_url=$(head -n1 "$url_file")
echo "fake API: $api_url"

# dev_overrides makes Terraform use the binary just built, with no `terraform init`.
cat >"$tmp/terraformrc" <<EOF
provider_installation {
  dev_overrides {
    "registry.terraform.io/gradient-tf/gradient" = "$tmp/bin"
  }
  direct {}
}
EOF
export TF_CLI_CONFIG_FILE="$tmp/terraformrc"
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
# Colours only on a terminal.
color=()
[ -t 1 ] || color=(-no-color)
# The configuration sets the endpoint and token itself: keep the environment out of it.
unset DIGITALOCEAN_ACCESS_TOKEN DIGITALOCEAN_TOKEN DIGITALOCEAN_API_URL GRADIENT_BASE_URL TF_LOG

cp examples/demo/main.tf "$tmp/work/main.tf"

log "terraform apply (examples/demo/main.tf)"
"$tf" -chdir="$tmp/work" apply "${color[@]}" -auto-approve -input=false -compact-warnings -var "api_endpoint=$api_url"

log "terraform output"
"$tf" -chdir="$tmp/work" output "${color[@]}"

log "Summary"
if command -v jq >/dev/null 2>&1; then
  printf '%-9s %-8s %-9s %-10s %-10s %s\n' ACTION DROPLET TYPE "ACTION ID" STATUS SECONDS
  "$tf" -chdir="$tmp/work" output -json | jq -r '
    .actions.value | to_entries | sort_by([.value.started_at, .key])[] | .value as $a |
    [.key, $a.droplet_id, $a.type, $a.id, $a.status,
     (($a.completed_at | fromdateiso8601) - ($a.started_at | fromdateiso8601))] | @tsv' |
    while IFS=$'\t' read -r name droplet type id status secs; do
      printf '%-9s %-8s %-9s %-10s %-10s %s\n' "$name" "$droplet" "$type" "$id" "$status" "$secs"
    done
  "$tf" -chdir="$tmp/work" output -json | jq -r '
    "shutdown needed the power-off fallback: \(.shutdown_needed_power_off.value)",
    "snapshot of droplet 1002 made image \(.snapshot_image.value)",
    (.power.value | to_entries[] | "droplet \(.key) kept \(.value.state): status \(.value.status), last action \(.value.last_action_id // "none (already \(.value.state))")"),
    "droplet 1001 history (newest first): \(.droplet_1001_history.value | length) actions"'
else
  echo "(install jq for a table)"
  "$tf" -chdir="$tmp/work" output -json actions
fi

# Adopting droplets that exist: a second configuration, with no state, that `terraform
# query` fills in. The plan must import the three droplets and change nothing.
log "terraform query -generate-config-out=power.tf (examples/demo/query): adopt the droplets as they are"
cp examples/demo/query/main.tf examples/demo/query/fleet.tfquery.hcl "$tmp/query/"
"$tf" -chdir="$tmp/query" query "${color[@]}" -var "api_endpoint=$api_url" -generate-config-out=power.tf >/dev/null
cat "$tmp/query/power.tf"

log "terraform plan (examples/demo/query with the generated power.tf)"
plan=$("$tf" -chdir="$tmp/query" plan -no-color -input=false -var "api_endpoint=$api_url")
if ! grep -qx 'Plan: 3 to import, 0 to add, 0 to change, 0 to destroy.' <<<"$plan"; then
  printf '%s\n\nthe plan should import the 3 droplets and change nothing\n' "$plan" >&2
  exit 1
fi
grep -E '^  # |^Plan:' <<<"$plan"

# A short rollout: reboot two droplets one at a time, each gated on its health endpoint.
log "terraform apply (examples/demo/rollout): a rollout over droplets 1001 and 1002, one at a time, health-gated"
health_url=$(sed -n 's|^droplet health endpoint on \(http://[^ ]*\)/health/.*|\1|p' "$tmp/fake/log")
if [ -z "$health_url" ]; then
  echo "the fake API did not announce its health endpoint:" >&2
  cat "$tmp/fake/log" >&2
  exit 1
fi
mkdir -p "$tmp/rollout"
cp examples/demo/rollout/main.tf "$tmp/rollout/"
"$tf" -chdir="$tmp/rollout" apply "${color[@]}" -auto-approve -input=false -compact-warnings \
  -var "api_endpoint=$api_url" -var "health_port=${health_url##*:}"

printf '\nDemo finished in %d s. Cleaning up.\n' "$((SECONDS - start))"
