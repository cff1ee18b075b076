#!/usr/bin/env bash
# The environment is passed through unchanged; the cwd is / whatever the
# caller's cwd is.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
L=$(new_lower)
snapshot_lower "$L"
mkdir -p "$T/somewhere"
cd "$T/somewhere"
STATUS=0
env -i FOO=1 'BAR=x y' PATH=/bin:/usr/bin 'WEIRD=a=b=c' EMPTY= "${SAN_ENV[@]}" \
	timeout 60 "$OVLRUN" --lower="$L" -- /usr/bin/env > "$T/.run/stdout" 2> "$T/.run/stderr" || STATUS=$?
OUT=$(cat "$T/.run/stdout"); ERR=$(cat "$T/.run/stderr")
assert_status 0
assert_stdout "$(printf '%s\n' FOO=1 'BAR=x y' PATH=/bin:/usr/bin WEIRD=a=b=c EMPTY= "${SAN_ENV[@]}")"
run_ovl --lower="$L" -- /bin/pwd
assert_status 0
assert_stdout "/"
cd /
finish
