#!/usr/bin/env bash
# Issue 8, item 1: the shadow root's bind mounts are bounded.  Every execve
# binds the executable at its overlay path in the shadow (and FIFOs and
# sockets are bound the same way); without a bound, a build that runs
# thousands of distinct programs leaves one mount per program in the
# supervisor's and the command's mount namespaces (fs.mount-max: ENOSPC).
# Here 2000 distinct paths are executed (hard links of busybox named
# "true" in 2000 dirs of the lower), a binary is replaced in place many
# times (rm + cp, and mv over it) and run after each replacement, dirs
# holding bound scripts are renamed, and a long-running program started
# before the burst must keep its bind (its /proc/<pid>/exe still names it)
# while binds nobody uses go away.
# Checked: every exec succeeded and ran the right content; the number of
# mounts, in the command's /proc/self/mountinfo and in the supervisor's
# /proc/<pid>/mountinfo, stays within the fixed base plus the bound.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
L=$(new_lower)
N=2000
# The 2000 names in a layer of their own (a dump of it would hash busybox
# 2000 times): links to the image's busybox, so that a write to any of
# them would show in the image's dump at the end.
B=$T/many
for i in $(seq 0 $((N - 1))); do
	mkdir -p "$B/b/$i"
	ln "$L/bin/busybox" "$B/b/$i/true"
done
mkdir -p "$L/w"
ln "$L/bin/busybox" "$L/w/sleep"
printf '#!/bin/sh\nexit 7\n' > "$L/w/seven"
chmod 755 "$L/w/seven"
snapshot_lower "$L"

# The bounds, from the source: binds kept (the least recently used beyond
# it are unmounted once no process uses them and they are older than a
# moment), and the hard bound that ignores that age.
src=$OVLRUN_SRC/supervisor/shadow_binds.c
MAX=$(sed -n 's/^#define SHADOW_BINDS_MAX \([0-9]*\).*/\1/p' "$src")
HARD=$(sed -n 's/^#define SHADOW_BINDS_HARD_MAX \([0-9]*\).*/\1/p' "$src")
[[ -n $MAX && -n $HARD ]] || fatal "cannot read SHADOW_BINDS_MAX / SHADOW_BINDS_HARD_MAX from $src"
(( N > HARD + 100 )) || fatal "N=$N does not exceed the hard bound $HARD"

# In the sandbox: the count of mount lines (no exec: the count itself must
# not add binds), the renamed dirs, the burst, the replacements, then wait
# for the test.
script='count() { n=0; while read -r _; do n=$((n + 1)); done < /proc/self/mountinfo; echo $n; }
/w/sleep 1000 & w=$!
base=$(count)
echo "ready $base"
read -r go
# a dir holding binds renamed: they move with it and stay accounted for
# (untracked, the half not run again would stay mounted past the bound
# checked below, after the burst has pushed every older bind out)
moved=0 i=0
while [ $i -lt 100 ]; do
	mkdir /tmp/d$i && cp /w/seven /tmp/d$i/s
	/tmp/d$i/s; [ $? -eq 7 ] || moved=$((moved + 1))
	mv /tmp/d$i /tmp/e$i
	if [ $((i % 2)) -eq 0 ]; then /tmp/e$i/s; [ $? -eq 7 ] || moved=$((moved + 1)); fi
	i=$((i + 1))
done
fails=0 max=$base i=0
while [ $i -lt '"$N"' ]; do
	/b/$i/true || fails=$((fails + 1))
	i=$((i + 1))
	if [ $((i % 50)) -eq 0 ]; then
		c=$(count); [ $c -gt $max ] && max=$c
	fi
done
# replaced in place: the content run is the one just put there
mkdir /tmp/r
bad=0 i=0
while [ $i -lt 300 ]; do
	rm -f /tmp/r/true
	if [ $((i % 2)) -eq 0 ]; then cp /bin/busybox /tmp/r/true; want=0; else cp /w/seven /tmp/r/true; want=7; fi
	/tmp/r/true; [ $? -eq $want ] || bad=$((bad + 1))
	if [ $((i % 2)) -eq 0 ]; then cp /w/seven /tmp/r/new; want=7; else cp /bin/busybox /tmp/r/new; want=0; fi
	mv /tmp/r/new /tmp/r/true
	/tmp/r/true; [ $? -eq $want ] || bad=$((bad + 1))
	i=$((i + 1))
done
# the last binds are kept for a moment (an exec of them may be in flight):
# run a few more until the age guard lets the bound apply (bounded loop)
end=$(count) i=0
while [ $end -gt $((base + '"$MAX"')) ] && [ $i -lt 5000 ]; do
	/b/0/true; i=$((i + 1))
	[ $((i % 20)) -eq 0 ] && end=$(count)
done
end=$(count)
echo "done fails=$((fails + moved)) bad=$bad base=$base max=$max end=$end exe=$(readlink /proc/$w/exe)"
read -r end_of_test
kill $w'

ovl_background run --lower="$B:$L" --upper="$T/u" -- /bin/sh -c "$script"
sup_mounts() { wc -l < "/proc/$BG_PID/mountinfo"; }
[[ $SAID == "ready "* ]] || fatal "the command did not start: $SAID ($(cat "$T/run.err"))"
sup_base=$(sup_mounts)
echo go >&8
read -r -t "$OVLRUN_TIMEOUT" result <&9 || result="(nothing)"
sup_end=$(sup_mounts)
# (ovlrun holds fd 8 too: a line, not EOF, ends the command)
echo end >&8
exec 8>&-
STATUS=0
wait "$BG_PID" || STATUS=$?
exec 9<&-
ERR=$(cat "$T/run.err")
log "command: $SAID; $result; supervisor: base=$sup_base end=$sup_end (bound $MAX, hard $HARD)"
assert_status 0
assert_eq "" "$ERR" "ovlrun's stderr"

if [[ $result =~ ^done\ fails=([0-9]+)\ bad=([0-9]+)\ base=([0-9]+)\ max=([0-9]+)\ end=([0-9]+)\ exe=(.*)$ ]]; then
	fails=${BASH_REMATCH[1]} bad=${BASH_REMATCH[2]} base=${BASH_REMATCH[3]}
	max=${BASH_REMATCH[4]} end=${BASH_REMATCH[5]} exe=${BASH_REMATCH[6]}
	assert_eq 0 "$fails" "failed execs of distinct binaries"
	assert_eq 0 "$bad" "runs of a replaced binary that ran other content"
	assert_eq /w/sleep "$exe" "/proc/<pid>/exe of a program running through the burst"
	(( max <= base + HARD )) || fail "command's mounts reached $max: more than base $base + hard bound $HARD"
	(( end <= base + MAX )) || fail "command's mounts at the end: $end, more than base $base + bound $MAX"
	(( sup_end <= sup_base + MAX )) ||
		fail "supervisor's mounts at the end: $sup_end, more than base $sup_base + bound $MAX"
else
	fail "unexpected result line: $result"
fi
finish
