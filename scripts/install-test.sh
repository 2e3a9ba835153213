#!/usr/bin/env bash
# `make test-install`: installs the provider as a user does, from the release files in
# dist/ (`make release-snapshot`), and applies with it against the fake DigitalOcean API.
#
#   scripts/install-test.sh CLI [CLI...]     each a terraform or tofu binary
#
# For each CLI:
#   - `init` installs this platform's zip through a filesystem_mirror under the real
#     addresses (registry.terraform.io/gradient-tf/gradient, and registry.opentofu.org/..., where
#     OpenTofu resolves the short source "gradient-tf/gradient"), with no dev_overrides and no
#     network: the CLI config has no `direct` installation method;
#   - the hashes in .terraform.lock.hcl are checked against SHA256SUMS: a lock holding the
#     zip's `zh:` hash from SHA256SUMS (what a registry install records) is accepted and
#     gains the same `h1:` hash as a fresh init records; a lock with a wrong `zh:` hash
#     makes init fail;
#   - `apply` runs the guide's configuration (examples/guides/first-apply) through the
#     installed provider: it reboots a fake droplet and reads the action back.
# OpenTofu runs twice: with the short source, and with the full registry.terraform.io one a
# configuration written for Terraform carries.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dist="${GRADIENT_DIST:-$root/dist}"
[ "$#" -gt 0 ] || { echo "usage: $0 CLI [CLI...]" >&2; exit 2; }

log() { printf '\n==> %s\n' "$*"; }
fail() { printf 'install-test: FAIL: %s\n' "$*" >&2; exit 1; }

# --- the release files ---------------------------------------------------------
[ -f "$dist/metadata.json" ] || fail "$dist/metadata.json is missing: run 'make release-snapshot' first"
version=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$dist/metadata.json" | head -n1)
[ -n "$version" ] || fail "no version in $dist/metadata.json"
os=$(go env GOOS)
arch=$(go env GOARCH)
name=terraform-provider-gradient
zip="${name}_${version}_${os}_${arch}.zip"
sums="${name}_${version}_SHA256SUMS"
manifest="${name}_${version}_manifest.json"
for f in "$zip" "$sums" "$manifest"; do
  [ -f "$dist/$f" ] || fail "$dist/$f is missing"
done

log "Release files of $version in $dist"
# Every file SHA256SUMS names is there with that hash, and it names every zip and the manifest.
(cd "$dist" && sha256sum --quiet -c "$sums") || fail "$sums does not match the files in $dist"
for f in "$dist"/"${name}_${version}"_*.zip "$dist/$manifest"; do
  grep -q "  $(basename "$f")\$" "$dist/$sums" || fail "$sums does not list $(basename "$f")"
done
cmp -s "$dist/$manifest" "$root/terraform-registry-manifest.json" || fail "$manifest differs from terraform-registry-manifest.json"
zh="zh:$(awk -v f="$zip" '$2 == f { print $1 }' "$dist/$sums")"
[ "$zh" != "zh:" ] || fail "$sums has no line for $zip"
printf '%s zips, %s and %s verified; this platform: %s (%s)\n' \
  "$(grep -c '\.zip$' "$dist/$sums")" "$sums" "$manifest" "$zip" "$zh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gradient-install.XXXXXX")
fake_pid=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$fake_pid" ] && kill -0 "$fake_pid" 2>/dev/null; then
    kill "$fake_pid" 2>/dev/null || true
    wait "$fake_pid" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ -s "$tmp/fake.log" ]; then
    printf '\nThe fake API logged:\n' >&2
    tail -n 40 "$tmp/fake.log" >&2
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the mirror: the same zip under both registries' addresses ----------------------
for host in registry.terraform.io registry.opentofu.org; do
  mkdir -p "$tmp/mirror/$host/gradient-tf/gradient"
  cp "$dist/$zip" "$tmp/mirror/$host/gradient-tf/gradient/"
done
cat >"$tmp/cli.tfrc" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$tmp/mirror"
    include = ["registry.terraform.io/gradient-tf/gradient", "registry.opentofu.org/gradient-tf/gradient"]
  }
}
EOF
# Only what this script sets reaches the CLIs.
while IFS= read -r var; do unset "$var"; done < <(env | sed -n 's/^\(\(TF\|DIGITALOCEAN\|GRADIENT\)_[A-Za-z0-9_]*\)=.*/\1/p')
export TF_CLI_CONFIG_FILE="$tmp/cli.tfrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1

# --- the fake API ------------------------------------------------------------------
log "Starting the fake DigitalOcean API (droplets 1001-1006, actions take 1 s, -v request log)"
go build -o "$tmp/gradient-fakeapi" "$root/internal/fakeapi/cmd/gradient-fakeapi"
"$tmp/gradient-fakeapi" -droplets 6 -duration 1s -v -url-file "$tmp/url" 2>"$tmp/fake.log" &
fake_pid=$!
for _ in $(seq 1 100); do
  [ -s "$tmp/url" ] && break
  kill -0 "$fake_pid" 2>/dev/null || fail "the fake API exited before it was ready"
  sleep 0.1
done
[ -s "$tmp/url" ] || fail "the fake API did not start within 10 s"
api_url=$(head -n1 "$tmp/url")
echo "fake API: $api_url"

# The configuration is the guide's (examples/guides/first-apply/main.tf), with the source
# address under test and the snapshot's version in place of its "~> 0.1"; the token and
# the endpoint come from the environment, as the guide has them.
example="$root/examples/guides/first-apply/main.tf"
grep -q '^      source  = "gradient-tf/gradient"$' "$example" && grep -q '^      version = "~> 0.1"$' "$example" ||
  fail "$example no longer has the source and version lines this script replaces"
config() { # source address -> main.tf
  sed -e "s#^      source  = \"gradient-tf/gradient\"\$#      source  = \"$1\"#" \
    -e "s#^      version = \"~> 0.1\"\$#      version = \"$version\"#" "$example"
}
export DIGITALOCEAN_ACCESS_TOKEN=fake-token GRADIENT_BASE_URL="$api_url"

lock() { # address hash -> .terraform.lock.hcl
  cat <<EOF
provider "$1" {
  version     = "$version"
  constraints = "$version"
  hashes = [
    "$2",
  ]
}
EOF
}

# The first line of `version`: "Terraform v1.15.0", "OpenTofu v1.12.6" (read whole: with
# pipefail, `| head -n1` could fail on the CLI's SIGPIPE).
cli_name() { local v; v=$("$1" version 2>/dev/null); printf '%s' "${v%%$'\n'*}"; }

hashes_of() { sed -n 's/^ *"\(\(h1\|zh\):[^"]*\)",\{0,1\}$/\1/p' "$1/.terraform.lock.hcl" | sort; }

droplet=1001
run_cli() { # cli source resolved-address
  local cli=$1 source=$2 addr=$3 label w start h1 got id
  label="$(cli_name "$cli") with source \"$source\""
  log "$label"
  start=$SECONDS
  w="$tmp/work-$droplet"
  mkdir -p "$w/fresh" "$w/locked" "$w/tampered"
  for d in fresh locked tampered; do config "$source" >"$w/$d/main.tf"; done

  # A fresh init: the mirror is not signed, so the lock gets the h1: hash of what it installed.
  "$cli" -chdir="$w/fresh" init -input=false -no-color >"$w/fresh.log" 2>&1 ||
    { cat "$w/fresh.log"; fail "$label: init failed"; }
  grep -q "^provider \"$addr\" {" "$w/fresh/.terraform.lock.hcl" ||
    { cat "$w/fresh/.terraform.lock.hcl"; fail "$label: the lock file has no entry for $addr"; }
  grep -q "version *= \"$version\"" "$w/fresh/.terraform.lock.hcl" || fail "$label: the lock file does not record $version"
  h1=$(hashes_of "$w/fresh" | grep '^h1:' || true)
  [ "$(printf '%s\n' "$h1" | grep -c '^h1:')" = 1 ] || { cat "$w/fresh/.terraform.lock.hcl"; fail "$label: want one h1: hash in the lock"; }
  ls "$w/fresh/.terraform/providers/$addr/$version/${os}_${arch}/${name}_v${version}" >/dev/null ||
    fail "$label: the provider binary is not where init should have unpacked it"
  echo "init from the mirror: $addr $version, lock $h1"

  # A lock holding SHA256SUMS' zh: hash, as after an install from the registry: init checks
  # the zip against it and keeps it, next to the same h1: hash.
  lock "$addr" "$zh" >"$w/locked/.terraform.lock.hcl"
  "$cli" -chdir="$w/locked" init -input=false -no-color >"$w/locked.log" 2>&1 ||
    { cat "$w/locked.log"; fail "$label: init refused the zh: hash from $sums"; }
  got=$(hashes_of "$w/locked" | tr '\n' ' ')
  [ "$got" = "$h1 $zh " ] || fail "$label: lock hashes after init with SHA256SUMS' hash: $got; want $h1 $zh"
  echo "lock with $sums' zh: hash accepted; now: $got"

  # A lock whose zh: hash is not the zip's: init refuses the package.
  lock "$addr" "zh:$(printf '%064d' 0)" >"$w/tampered/.terraform.lock.hcl"
  if "$cli" -chdir="$w/tampered" init -input=false -no-color >"$w/tampered.log" 2>&1; then
    fail "$label: init accepted a zip that does not match the lock's zh: hash"
  fi
  grep -q 'checksums' "$w/tampered.log" || { cat "$w/tampered.log"; fail "$label: init failed for another reason than the checksum"; }
  echo "lock with a wrong zh: hash refused"

  "$cli" -chdir="$w/fresh" apply -auto-approve -input=false -no-color -var "droplet_id=$droplet" >"$w/apply.log" 2>&1 ||
    { cat "$w/apply.log"; fail "$label: apply failed"; }
  got=$("$cli" -chdir="$w/fresh" output -json reboot | tr -d ' \n')
  case "$got" in
    *'"status":"completed"'*) ;;
    *) cat "$w/apply.log"; fail "$label: the reboot is not completed: $got" ;;
  esac
  id=$(printf '%s' "$got" | sed -n 's/.*"id":"\([0-9]*\)".*/\1/p')
  [ -n "$id" ] && [ "$("$cli" -chdir="$w/fresh" output -raw newest_reboot_in_history)" = "$id" ] ||
    fail "$label: the droplet's newest reboot is not the action $id the resource ran"
  grep -q "POST /v2/droplets/$droplet/actions" "$tmp/fake.log" || fail "$label: the fake saw no POST for droplet $droplet"
  echo "apply: reboot $id of droplet $droplet completed ($((SECONDS - start)) s for init x3, apply and output)"
  droplet=$((droplet + 1))
}

for cli in "$@"; do
  if [[ "$(cli_name "$cli")" == OpenTofu* ]]; then
    run_cli "$cli" gradient-tf/gradient registry.opentofu.org/gradient-tf/gradient
    run_cli "$cli" registry.terraform.io/gradient-tf/gradient registry.terraform.io/gradient-tf/gradient
  else
    run_cli "$cli" gradient-tf/gradient registry.terraform.io/gradient-tf/gradient
  fi
done
printf '\ninstall-test: OK (%d runs)\n' "$((droplet - 1001))"
