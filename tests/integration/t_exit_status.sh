#!/usr/bin/env bash
# Exit status: the command's; 128+N on signal N; 127/126; 125 for ovlrun's own errors.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
L=$(new_lower)
snapshot_lower "$L"

check() { # EXPECTED-STATUS ARGS...
	local want=$1; shift
	run_ovl "$@"
	assert_status "$want" || log "  (command: ovlrun $*)"
}
check 0   --lower="$L" -- /bin/sh -c 'exit 0'
check 3   --lower="$L" -- /bin/sh -c 'exit 3'
check 255 --lower="$L" -- /bin/sh -c 'exit 255'
check 1   --lower="$L" -- /bin/false
check 0   --lower="$L" --upper="$T/u" -- /bin/true
check 127 --lower="$L" -- /bin/sh -c 'no-such-command'
check 127 --lower="$L" -- /no/such/program
check 127 --lower="$L" -- no-such-program-in-path
check 126 --lower="$L" -- /etc/passwd
check 126 --lower="$L" -- /etc
check 126 --lower="$L" -- /bin/sh -c '/etc/passwd'
check 143 --lower="$L" -- /bin/sh -c 'kill -TERM $$'
check 137 --lower="$L" -- /bin/sh -c 'kill -KILL $$'
check 139 --lower="$L" -- /bin/sh -c 'kill -SEGV $$'
check 138 --lower="$L" -- /bin/sh -c 'kill -USR1 $$'
check 129 --lower="$L" -- /bin/sh -c 'kill -HUP $$'
# The status of a command run by PATH lookup, with output
run_ovl --lower="$L" -- sh -c 'echo out; echo err >&2; exit 7'
assert_status 7; assert_stdout "out"; assert_stderr "err"

# ovlrun's own errors: 125 and exactly one line on stderr naming the problem.
own_error() { # WHAT-MUST-APPEAR ARGS...
	local what=$1; shift
	run_ovl "$@"
	assert_status 125 || log "  (command: ovlrun $*)"
	local lines
	lines=$(printf '%s\n' "$ERR" | grep -c . || true)
	assert_eq 1 "$lines" "number of stderr lines of 'ovlrun $*'"
	if [[ -n $what && $ERR != *"$what"* ]]; then
		fail "stderr of 'ovlrun $*' does not name '$what': $ERR"
	fi
	assert_stdout ""
}
own_error "$T/nope" --lower="$T/nope" -- /bin/true
own_error "$T/nope" --lower="$L:$T/nope" -- /bin/true
own_error "" -- /bin/true                          # no --lower
own_error "" --lower="$L"                          # no command
own_error "" --lower="$L" --bogus-option -- /bin/true
echo notadir > "$T/file"
own_error "$T/file" --lower="$T/file" -- /bin/true
# A missing lower must not create the upper or a work dir.
assert_missing "$T/u2"
run_ovl --lower="$T/nope" --upper="$T/u2" -- /bin/true
assert_status 125
assert_missing "$T/u2"

# --help and --version
run_ovl --help
assert_status 0
assert_stdout_contains "--lower"
run_ovl --version
assert_status 0
[[ -n $OUT ]] || fail "--version printed nothing"
finish
