#!/usr/bin/env bash
# needs host root: its workers rename lower dirs, which needs redirects (the unprivileged format has none: EXDEV)
# Concurrency: many processes racing renames, copy-ups, unlinks and chmods
# in the same directories, with walkers listing and reading meanwhile, and
# processes racing on one file, one name and one path; checked as they go
# and at the end against the kernel's overlayfs running the same script.
#
# tests/tools/racer.c (static, in the lower as /usr/bin/racer) does the work
# inside, in a final state that does not depend on the interleaving:
#  * race W G: W workers in the shared lower dirs /data/g0/d0..d2, each only on
#    names carrying its own index (chmod copy-ups, replacing by rename over,
#    unlinks to whiteouts, O_APPEND copy-ups, a file bounced across the dirs
#    onto its own whiteouts, create/rename/unlink churn, a lower dir emptied,
#    removed and made again (opaque), EXDEV for a lower dir's rename, an
#    upper dir moved across the dirs); every step is checked at once, every
#    name at the end and each dir's exact listing after all are done; then
#    again in /data/g1, ... (G groups: each starts with fresh lower dirs).
#    Walkers meanwhile (readdir+lstat+read, a stat loop, busybox find and
#    ls -lR) may only see ENOENT, and only for names being removed; the
#    untouched sentinels are listed once per pass and keep their st_ino; a
#    file read back has one of its full contents (no torn copy-up);
#  * same N: N processes at once (a barrier) append to one lower file, copy
#    up one 4 MiB file by chmod and open(O_RDWR) and read it back, unlink /
#    rename / rmdir one lower name (one wins, the rest ENOENT), rename their
#    own files over one name, O_EXCL one new name (one wins, the rest EEXIST)
#    and mkdir each component of one deep path (EEXIST or one winner each);
#  * the shell: N `echo >> file &` on one lower file and N `mkdir -p` of one
#    deep path, all must succeed; the file holds its lines plus the N new
#    ones (rewritten in a fixed order, so that the upper is comparable).
# Then the merged tree of /data (tests/tools/treedump, static, inside) and
# the upper's canonical dump (whiteouts, opaque dirs, modes, contents) must
# equal those of the kernel's overlayfs (tests/tools/kovlrun) on an
# identical lower.  The walkers' pass counts are logged (they vary).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
require_kernel_overlay
racer=$(tool racer -static)
dumper=$(tool treedump -static)
W=8 N=8 G=3

script="set -e
racer race $W $G
racer same $N
pids=''
i=0
while [ \$i -lt $N ]; do
	echo \"shell \$i\" >> /data/same/log2 &
	pids=\"\$pids \$!\"
	mkdir -p /data/same/deep2/a/b/c/d/e/f/g/h &
	pids=\"\$pids \$!\"
	i=\$((i + 1))
done
for p in \$pids; do wait \$p || { echo \"shell: process \$p failed\" >&2; exit 1; }; done
racer lines /data/same/log2 shell $N
[ -d /data/same/deep2/a/b/c/d/e/f/g/h ]
echo 'shell: $N appends with >> and $N mkdir -p at once succeeded'
treedump /data"

# prepare SIDE: a fresh lower with the tools and racer's tree, an empty upper.
prepare() {
	local d=$T/$1
	mkdir "$d"
	new_lower "$d/lower" > /dev/null
	install -m 0755 "$racer" "$d/lower/usr/bin/racer"
	install -m 0755 "$dumper" "$d/lower/usr/bin/treedump"
	"$racer" setup "$d/lower" "$W" "$G" || fatal "racer setup $d/lower failed"
	snapshot_lower "$d/lower"
	mkdir -m 0755 "$d/upper"
}

# run_side SIDE BINARY: run the script; $T/SIDE/{status,stdout,stderr,upper.dump}.
run_side() {
	local d=$T/$1 bin=$2 st=0 t0=$SECONDS
	( umask 022; cd /; env -i PATH=/usr/bin:/bin HOME=/root "${SAN_ENV[@]}" \
		timeout -k 10 "$OVLRUN_TIMEOUT" "$bin" --lower="$d/lower" --upper="$d/upper" -- \
		/bin/sh -c "$script" < /dev/null > "$d/stdout" 2> "$d/stderr" ) || st=$?
	echo "$st" > "$d/status"
	upper_dump "$d/upper" > "$d/upper.dump" 2>&1 || echo "(dump failed)" >> "$d/upper.dump"
	log "$1 ($(basename "$bin")): status $st in $((SECONDS - t0))s; $(grep -h 'walker passes' "$d/stderr" || echo 'no walker counts')"
	if [[ $st -ne 0 ]]; then
		fail "$1: the script failed with status $st; stderr:"
		_show "$(head -n 40 "$d/stderr")"
	fi
}

prepare kernel
prepare ovlrun
run_side kernel "$KOVLRUN"
run_side ovlrun "$OVLRUN"

for f in stdout upper.dump; do
	diff -u --label "kernel overlayfs $f" --label "ovlrun $f" "$T/kernel/$f" "$T/ovlrun/$f" > "$T/$f.diff" ||
		{ fail "$f differs from the kernel's overlayfs (first lines of the diff):"; _show "$(head -n 60 "$T/$f.diff")"; }
done
# The comparison means something only if the work was done and dumped.
for w in "race: $W workers" "same: $N processes" "shell: $N appends" "g0/d0/s00  f 0644"; do
	grep -q -F -- "$w" "$T/ovlrun/stdout" || fail "ovlrun's output lacks '$w'"
done
for w in "g0/d0/u0  c 0000 0:0 rdev=0:0" 'g2/d1/sub7  d 0755 0:0 xattr trusted.overlay.opaque="y"'; do
	grep -q -F -- "$w" "$T/ovlrun/upper.dump" || fail "ovlrun's upper lacks '$w'"
done
finish
