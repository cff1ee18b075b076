#!/usr/bin/env bash
# Up to 500 lowers, as the kernel's overlayfs (OVL_MAX_STACK): given as one
# --lower list or as repeated --lower options; a 501st is refused before
# anything runs, naming the limit.  The supervisor's fds: a dir in every
# layer holds 500 of them per merged dir, so it raises its soft
# RLIMIT_NOFILE (here 1024) to the hard limit; the command still gets 1024.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
BASE=$(new_lower)
mkdir "$T/s"
list=() first=() second=()
for i in $(seq 1 499); do
	mkdir -p "$T/s/$i/all/d"
	echo "$i" > "$T/s/$i/all/f$i"
	list+=("$T/s/$i")
done
mkdir -p "$BASE/all/d"
echo base > "$BASE/all/base"
list+=("$BASE")
first=("${list[@]:0:250}") second=("${list[@]:250}")
L=$(IFS=:; echo "${list[*]}")
snapshot_lower "$BASE"

# one list, a soft fd limit of 1024: walks through dirs in all 500 layers
# (/all/d: the walk holds /all's 500 fds and d's), a listing, a copy-up
# whose parent is in all 500
hard=$(ulimit -Hn)
[[ $hard == unlimited || $hard -ge 4096 ]] || skip "hard RLIMIT_NOFILE $hard: too low for 500 lowers"
STATUS=0
OUT=$(ulimit -Sn 1024; timeout -k 10 "$OVLRUN_TIMEOUT" "$OVLRUN" --lower="$L" --upper="$T/u" -- \
	/bin/sh -c 'ulimit -n; ls /all | wc -l; cat /all/f1 /all/f499 /all/base
		ls -a /all/d; touch /all/d/new; echo x >> /all/base; cat /all/base' 2>&1) || STATUS=$?
assert_status 0
assert_stdout "1024
501
1
499
base
.
..
base
x"
assert_file_content "$T/u/all/base" "base
x"

# repeated --lower: the same stack
run_ovl --lower="$(IFS=:; echo "${first[*]}")" --lower="$(IFS=:; echo "${second[*]}")" -- \
	/bin/sh -c 'ls /all | wc -l; cat /all/f250 /all/f251'
assert_status 0
assert_stdout "501
250
251"

# a 501st lower, in one list or in a second --lower: refused
mkdir "$T/extra"
if [[ $OVLRUN == "$KOVLRUN" ]]; then
	run_ovl --lower="$T/extra:$L" -- /bin/true
	[[ $STATUS -ne 0 ]] || fail "the kernel mounted 501 lowers"
else
	run_ovl --lower="$T/extra:$L" -- /bin/true
	assert_status 125
	assert_stderr "ovlrun: --lower: more than 500 lower dirs (the most overlayfs stacks)"
	run_ovl --lower="$(IFS=:; echo "${first[*]}")" --lower="$T/extra:$(IFS=:; echo "${second[*]}")" -- /bin/true
	assert_status 125
	assert_stderr "ovlrun: --lower: more than 500 lower dirs (the most overlayfs stacks)"
fi
finish
