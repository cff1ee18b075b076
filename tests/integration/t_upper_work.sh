#!/usr/bin/env bash
# --upper is created if missing; the default work dir is a hidden sibling
# that is removed at exit; an explicit --work is used and kept.  A work
# dir left by a run killed with SIGKILL is taken over and removed by the
# next run; a run that fails before its command starts leaves nothing it
# made (upper, work dir, their parents, the --tmp-upper dir).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
L=$(new_lower)
snapshot_lower "$L"
mkdir "$T/p"

sh_ovl "$L" "$T/p/upper" 'echo x > /tmp/x; cat /tmp/x'
assert_status 0
assert_stdout "x"
assert_type "$T/p/upper" "directory"
assert_file_content "$T/p/upper/tmp/x" "x"
assert_eq "upper" "$(ls -A "$T/p")" "entries next to the upper after exit (work dir removed)"

mkdir "$T/w"
run_ovl --lower="$L" --upper="$T/p/upper" --work="$T/w" -- /bin/sh -c 'cat /tmp/x; rm /tmp/x'
assert_status 0
assert_stdout "x"
assert_type "$T/w" "directory"
assert_missing "$T/p/upper/tmp/x"
assert_eq "upper" "$(ls -A "$T/p")" "entries next to the upper with --work"

# The rest is ovlrun's own (kovlrun refuses a leftover work dir).
[[ $(basename "$OVLRUN") != kovlrun ]] || finish

# Killed with SIGKILL mid-run: the work dir stays, and so does the staging
# dir (made in $TMPDIR: here $T/tmp).  The command says it runs through a
# FIFO and then waits on stdin, which the test holds open.
mkdir -m 0700 "$T/tmp"
TMPDIR=$T/tmp ovl_background killed --lower="$L" --upper="$T/p/upper" -- /bin/sh -c 'echo y > /tmp/y; echo running; cat'
pid=$BG_PID
assert_eq "running" "$SAID" "the killed run's command"
kill -KILL "$pid"
st=0; { wait "$pid"; } 2> /dev/null || st=$?
assert_eq 137 "$st" "status of the killed ovlrun"
# EOF once every writer is gone: ovlrun, the sandbox's init (its death
# signal) and the command; no process holds the upper's lock any more.
timeout "$OVLRUN_TIMEOUT" cat <&9 > /dev/null
exec 8>&- 9<&-
assert_type "$T/p/.upper.ovlrun-work" "directory"
echo partial > "$T/p/.upper.ovlrun-work/#copy-up-interrupted"
sh_ovl "$L" "$T/p/upper" 'cat /tmp/y; ls -A /'
assert_status 0
assert_stdout "y
$IMAGE_ROOT_LISTING"
assert_eq "upper" "$(ls -A "$T/p")" "entries next to the upper after the run that took over"
# The killed run's staging dir is left; a later run removes it once it is
# over a minute old (a younger one may be a run that is just starting).
stale=$(find "$T/tmp" -mindepth 1 -maxdepth 1 -name 'ovlrun.??????')
[[ -n $stale ]] || fail "the killed run left no staging dir (probe broken)"
TMPDIR=$T/tmp run_ovl --lower="$L" -- /bin/true
[[ -z $stale || -d $stale ]] || fail "a fresh staging dir was removed: $stale"
touch -d '2 minutes ago' $stale
TMPDIR=$T/tmp run_ovl --lower="$L" -- /bin/true
assert_status 0
assert_eq "" "$(ls -A "$T/tmp")" "staging dirs left after a run that swept the stale one"

# Setup fails: nothing made is left.
mkdir "$T/e"
touch "$T/e/file"
run_ovl --lower="$L" --upper="$T/e/file" -- /bin/true
assert_status 125
assert_stderr "ovlrun: upper dir $T/e/file: Not a directory"
run_ovl --lower="$T/e/missing" --upper="$T/e/a/b/u" -- /bin/true
assert_status 125
shm=/dev/shm/ovlrun-t_upper_work.$$
run_ovl --lower="$L" --upper="$T/e/a/b/u" --work="$shm/w" -- /bin/true
assert_status 125
assert_stderr "ovlrun: work dir $shm/w is not on the filesystem of upper dir $T/e/a/b/u"
assert_missing "$shm"
run_ovl --lower="$L" --upper="$T/e/a/b/u" --work="$T/e/c/w" --chdir=/missing -- /bin/true
assert_status 125
assert_stderr "ovlrun: --chdir=/missing: No such file or directory"
mkdir "$T/e/tmp"
STATUS=0
TMPDIR=$T/e/tmp timeout 60 "$OVLRUN" --lower="$L" --tmp-upper --chdir=/missing -- /bin/true \
	2> /dev/null || STATUS=$?
assert_status 125
assert_eq "" "$(ls -A "$T/e/tmp")" "left in TMPDIR by a failed --tmp-upper run"
rmdir "$T/e/tmp"
# After the mounts: the upper's path is on a bind mount the upper's mount
# clone does not hold.  (The rootless pass: the bind is made as root of the
# user's own namespace, and ovlrun runs there.)
mkdir "$T/e/x" "$T/e/bind"
STATUS=0
as_ns_root unshare -m --propagation private sh -c 'mount --bind "$1/x" "$1/bind" &&
	exec "$2" --lower="$3" --upper="$1/bind/u" --work="$1/x/w" -- /bin/true' \
	- "$T/e" "$OVLRUN" "$L" < /dev/null 2> /dev/null || STATUS=$?
assert_status 125
assert_eq "" "$(ls -A "$T/e/x")" "left by the run failing after its mounts"
assert_eq "bind
file
x" "$(ls -A "$T/e" | sort)" "left by the failed runs"
finish
