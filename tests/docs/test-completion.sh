#!/usr/bin/env bash
# The bash completion of jmp, driven as bash drives it (COMP_WORDS,
# COMP_CWORD, COMPREPLY) against a host started here, against no host, and
# against a host that never answers.
#
# Usage: test-completion.sh COMPLETION-FILE CONFIG
# Environment (tests/meson.build): JMP_TEST_HOST, JMP_TEST_CLI, plugin paths.
set -uo pipefail

completion=$1
config=$2
failures=0
dir=$(mktemp -d)
host_pid=
hang_pid=

cleanup()
{
    [[ -n $host_pid ]] && kill "$host_pid" 2>/dev/null && wait "$host_pid" 2>/dev/null
    [[ -n $hang_pid ]] && kill "$hang_pid" 2>/dev/null && wait "$hang_pid" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT

PATH=$(dirname "$JMP_TEST_CLI"):$PATH
export XDG_CONFIG_HOME=$dir/config
mkdir -p "$XDG_CONFIG_HOME/jumpstarter/exporters"
touch "$XDG_CONFIG_HOME/jumpstarter/exporters/bench-9.yaml"
touch "$dir/bench.yaml"

# shellcheck source=/dev/null
source "$completion" || { echo "not ok: cannot source $completion"; exit 1; }

# complete WORD… : runs _jmp with the cursor at the end of the last word
# and prints the replies sorted, one a line; its stderr goes to $dir/stderr.
complete_words()
{
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _jmp 2>"$dir/stderr"
    printf '%s\n' "${COMPREPLY[@]}" | sort
}

# expect "WORDS" "REPLY…": the replies are exactly these, and quietly.
expect()
{
    local words=$1 got want
    shift
    # shellcheck disable=SC2086
    if [[ $words == *' ' ]]; then
        got=$(complete_words $words "")
    else
        got=$(complete_words $words)
    fi
    want=$(printf '%s\n' "$@" | sed '/^$/d' | sort)
    if [[ $got != "$want" ]]; then
        echo "not ok: jmp completion of \"$words\""
        echo "  expected: $(echo $want)"
        echo "  got:      $(echo $got)"
        failures=$((failures + 1))
    elif [[ -s $dir/stderr ]]; then
        echo "not ok: completion of \"$words\" printed: $(cat "$dir/stderr")"
        failures=$((failures + 1))
    else
        echo "ok: \"$words\" -> $(echo $got)"
    fi
}

# A host on a private socket; --print-address says when it is up.
"$JMP_TEST_HOST" --listen "unix:path=$dir/host.sock" --config "$config" \
    --print-address >"$dir/address" 2>"$dir/host.log" &
host_pid=$!
for _ in $(seq 300); do
    [[ -s $dir/address ]] && break
    kill -0 "$host_pid" 2>/dev/null || break
    sleep 0.1
done
if [[ ! -s $dir/address ]]; then
    echo "not ok: the host did not start"; cat "$dir/host.log"; exit 1
fi
export JUMPSTARTER_HOST
JUMPSTARTER_HOST=$(head -n1 "$dir/address")

echo "# with a host"
expect "jmp " exporters list inspect shell ssh syslog echo bus cam rack rack.power
expect "jmp s" shell ssh syslog
expect "jmp r" rack rack.power
expect "jmp --" --exporter --help --system --verbose --version
expect "jmp -v " exporters list inspect shell ssh syslog echo bus cam rack rack.power
expect "jmp --exporter " bench-9 completion
expect "jmp --exporter completion " exporters list inspect shell ssh syslog echo bus cam rack rack.power
expect "jmp --exporter nosuch s" shell
expect "jmp exporters --" --help --json
expect "jmp ssh " connect address forward-tcp forward-unix
expect "jmp ssh -" --help
expect "jmp syslog forward-" forward-tcp forward-udp forward-unix
expect "jmp cam s" state snapshot stream
expect "jmp bus " connect address forward-tcp forward-unix run
expect "jmp rack " ""
expect "jmp ssh address --" --help --host --port
expect "jmp cam snapshot --o" --output
expect "jmp list --" --help --json
expect "jmp inspect Tcp" TcpNetwork
expect "jmp inspect --plugin" --plugin-dir
expect "jmp shell --" --help --config --exporter --
expect "jmp shell --exporter " bench-9
pushd "$dir" >/dev/null
expect "jmp shell --config bench." bench.yaml
expect "jmp shell --config = bench." bench.yaml
popd >/dev/null
expect "jmp ssh nosuchcommand " ""
expect "jmp nosuchdriver " ""

echo "# no host at all: the local words, and not a word on stderr"
JUMPSTARTER_HOST=unix:path=$dir/none.sock
expect "jmp " exporters list inspect shell
expect "jmp ssh " ""
expect "jmp inspect Udp" UdpNetwork

echo "# a host that accepts and never answers: the time-out ends jmp"
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(16)
time.sleep(600)' "$dir/hang.sock" &
hang_pid=$!
for _ in $(seq 100); do [[ -S $dir/hang.sock ]] && break; sleep 0.1; done
JUMPSTARTER_HOST=unix:path=$dir/hang.sock
JMP_COMPLETION_TIMEOUT=1
expect "jmp " exporters list inspect shell
expect "jmp ssh " ""

[[ $failures -eq 0 ]] || { echo "$failures failed"; exit 1; }
