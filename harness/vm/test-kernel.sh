#!/usr/bin/env bash
# npm run test:kernel: the article suite on kernel WireGuard, in wglab's VM (a Docker engine on a kernel that has
# the module), whatever the host's kernel. Boots the VM, runs every article scenario there with
# WGLAB_WIREGUARD=kernel, asserts each report says `wireguard: kernel` and passes, and the outer-DF lab where kernel
# WireGuard's transfer completes (wireguard-go's stalls: test:lab); then runs the suite over this
# host's engine and the VM's at once, and again with the VM killed mid-run; always shuts the VM down.
set -euo pipefail
cd "$(dirname "$0")/../.."
wglab() { node bin/wglab.js "$@"; }
say() { echo "test:kernel: $*" >&2; }
out=${WGLAB_KERNEL_REPORT:-$(mktemp -d /tmp/wglab-kernel.XXXXXX)}
mkdir -p "$out"
trap 'start=$SECONDS; wglab vm down >&2 || true; say "vm down: $((SECONDS - start)) s"' EXIT

start=$SECONDS
host=$(wglab vm up | tail -1)
case $host in DOCKER_HOST=tcp://127.0.0.1:*) ;; *) say "wglab vm up did not print DOCKER_HOST=… last: $host"; exit 2 ;; esac
export "${host?}" WGLAB_WIREGUARD=kernel
say "vm up: $((SECONDS - start)) s ($host)"

start=$SECONDS
status=0
node bin/wglab.js run scenarios/article/*.yaml --report "$out" >&2 || status=$?
say "article suite in the VM: $((SECONDS - start)) s (exit $status; report: $out/report.html)"
node -e '
  const { scenarios } = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const bad = scenarios.filter((report) => report.wireguard !== "kernel" || !report.pass);
  for (const report of scenarios) console.error(`test:kernel: ${report.scenario}: wireguard ${report.wireguard}, ${report.pass ? "pass" : "FAIL"}`);
  process.exit(bad.length === 0 && scenarios.length > 0 ? 0 : 1);
' "$out/report.json" || { say "FAIL: every article report must say wireguard kernel and pass"; exit 1; }
[ "$status" = 0 ] || exit "$status"
say "PASS: ${host#DOCKER_HOST=} ran the article suite on kernel WireGuard"

# Where kernel WireGuard differs from wireguard-go: no Don't Fragment on its outer packets, so the router fragments
# the exit's 1480-byte tunnel packets at the site's 1450-byte link and the download completes (test:lab proves it
# stalls on wireguard-go). The routing model, told which WireGuard ran, must predict that too.
start=$SECONDS
node bin/wglab.js run test/scenarios/outer-df/outer-df-kernel.yaml --json > "$out/outer-df.json" || { say "FAIL: outer-df-kernel on kernel WireGuard"; exit 1; }
node -e '
  const report = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const disagree = report.checks.filter((check) => check.modelDisagrees || !check.predicted);
  console.error(`test:kernel: outer-df: wireguard ${report.wireguard}, ${report.pass ? "pass" : "FAIL"}, transfer ${report.checks[1].observed.bytes} bytes, model ${disagree.length === 0 ? "agrees" : "DISAGREES"}`);
  process.exit(report.wireguard === "kernel" && report.pass && disagree.length === 0 ? 0 : 1);
' "$out/outer-df.json" || { say "FAIL: outer-df-kernel must pass on kernel WireGuard, as the model predicts"; exit 1; }
say "PASS: kernel WireGuard's outer packets are fragmented by the router, the transfer completes ($((SECONDS - start)) s)"

# Two engines at once (this host's and the VM's), then the VM killed mid-run: its scenarios move to the host's.
start=$SECONDS
env -u DOCKER_HOST -u WGLAB_WIREGUARD WGLAB_VM_ENGINE="${host#DOCKER_HOST=}" npx ava test/engines/two-engines.test.ts >&2
say "two engines, then one killed: $((SECONDS - start)) s"
