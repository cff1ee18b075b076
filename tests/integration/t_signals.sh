#!/usr/bin/env bash
# SIGTERM, SIGINT and SIGHUP sent to ovlrun reach the command.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
L=$(new_lower)
snapshot_lower "$L"

# SIGINT ignored by whoever started this test is inherited and cannot be
# trapped by a non-interactive shell: test SIGINT only when it is not ignored.
sigs=(TERM HUP)
sigign=$(awk '/^SigIgn:/ {print $2}' /proc/$$/status)
if (( (16#$sigign & 2) == 0 )); then sigs+=(INT); else log "note: SIGINT is ignored by the caller; not testing SIGINT"; fi
set -m   # job control: background jobs do not get SIGINT ignored
for sig in "${sigs[@]}"; do
	U=$T/u-$sig
	"$OVLRUN" --lower="$L" --upper="$U" -- /bin/sh -c "
		trap 'echo got $sig; exit 7' $sig
		touch /tmp/ready
		i=0; while [ \$i -lt 300 ]; do sleep 0.1; i=\$((i+1)); done
		echo timeout" < /dev/null > "$T/.run/$sig.out" 2> "$T/.run/$sig.err" &
	pid=$!
	for _ in $(seq 300); do [[ -e $U/tmp/ready ]] && break; sleep 0.05; done
	[[ -e $U/tmp/ready ]] || fail "$sig: command did not start"
	sleep 0.2
	kill -"$sig" "$pid"
	st=0; wait "$pid" || st=$?
	assert_eq 7 "$st" "$sig: exit status of ovlrun"
	assert_eq "got $sig" "$(cat "$T/.run/$sig.out")" "$sig: stdout"
done
finish
