#!/usr/bin/env bash
# `jmp DRIVER connect --fdpass` as OpenSSH's ProxyCommand with
# ProxyUseFdpass=yes: ssh gets the host's connected socket and talks to an
# sshd on loopback with no process copying bytes. The sshd, its host key and
# the client key are made here.
set -euo pipefail

fail() { echo "not ok - $*"; exit 1; }
. "$(dirname "$0")/loopback-sshd.sh"
if ! have_loopback_sshd; then
  echo "1..0 # SKIP openssh-client or openssh-server is missing"
  exit 0
fi
host=$JMP_TEST_HOST
jmp=$JMP_TEST_CLI
py=/usr/bin/python3

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
start_loopback_sshd "$work"
port=$sshd_port

cat >"$work/board.yaml" <<YAML
export:
  board: {type: TcpNetwork, config: {host: 127.0.0.1, port: $port}}
YAML
"$host" --config "$work/board.yaml" --listen "unix:path=$work/host.sock" --print-address \
  >"$work/addr" 2>"$work/host.err" &
pids+=($!)
for _ in $(seq 200); do [ -s "$work/addr" ] && break; sleep 0.05; done
JUMPSTARTER_HOST=$(cat "$work/addr")
export JUMPSTARTER_HOST
[ -n "$JUMPSTARTER_HOST" ] || fail "the host did not start: $(cat "$work/host.err")"

echo "1..2"
ssh_opts=(-F /dev/null -i "$ssh_key" -o BatchMode=yes -o StrictHostKeyChecking=no
  -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
  -o "ProxyCommand=$jmp board connect --fdpass" -o ProxyUseFdpass=yes)
out=$(ssh "${ssh_opts[@]}" "$(id -un)@board" echo through the passed socket 2>"$work/ssh.err") ||
  fail "ssh: $(cat "$work/ssh.err") / sshd: $(tail -5 "$work/sshd.log")"
[ "$out" = "through the passed socket" ] || fail "ssh printed \"$out\""
echo "ok 1 - ssh with ProxyUseFdpass=yes"

# stdout that is no socket: one clear line, a failure status
if "$jmp" board connect --fdpass >"$work/not-a-socket" 2>"$work/err"; then
  fail "--fdpass to a file succeeded"
fi
grep -q "needs stdout to be a Unix socket" "$work/err" || fail "$(cat "$work/err")"
[ "$(wc -l <"$work/err")" = 1 ] || fail "$(cat "$work/err")"
echo "ok 2 - --fdpass to a file fails with one line"
