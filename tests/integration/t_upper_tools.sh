#!/usr/bin/env bash
# ovlrun diff, export and commit against the kernel's view of the same
# upper: the kernel's overlayfs mounts the upper over the lower read-only
# (lowerdir=UPPER:LOWER, redirects followed) and its tree is the oracle.
#   diff:   A = in the view, not in the lower; C = in both and in the upper;
#           D = in the lower, not in the view, its parent in the view;
#   export: the tar applied to a copy of the lower as an OCI layer (.wh.
#           deletes, .wh..wh..opq empties the dir first) gives the view;
#   commit: the copy of the lower it changed is the view, the upper empty.
# The rootless pass: the user's upper, read by the tools as the user; the
# kernel's view is the user's mount (userxattr: no redirect, a moved lower
# dir is copied); a device node and an owner past the user's ranges, which
# that mount refuses, are owner records: checked on their own at the end.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
require_kernel_overlay
[[ $OVLRUN != "$KOVLRUN" ]] || skip "ovlrun's subcommands (the kernel's upper is checked below too)"
L=$(new_lower)
mkdir -p "$L/t/keep" "$L/t/gone/deep" "$L/t/op/sub" "$L/t/mv/sub" "$L/t/perm" "$L/t/same"
echo k > "$L/t/keep/f"; echo g > "$L/t/gone/deep/g"; echo o > "$L/t/op/old"
echo os > "$L/t/op/sub/s"; echo m > "$L/t/mv/sub/m"; echo c > "$L/t/chg"
echo p > "$L/t/perm/p"; ln -s keep/f "$L/t/link"; echo x > "$L/t/same/x"
setfattr -n user.low -v 1 "$L/t/keep/f"
snapshot_lower "$L"
U=$T/u
devnode='mknod null c 1 3'
[[ $OVLRUN_ROOTLESS != 1 ]] || devnode=
changes='
set -e
cd /t
echo new > new; mkdir -p nd/inner; echo z > nd/inner/z; ln nd/inner/z hard
rm -rf gone; echo more >> chg
rm -rf op; mkdir op; echo n > op/new
mv mv moved; echo added > moved/sub/added
chmod 600 keep/f; chown 12:34 perm/p
rm link; ln -s new link; mkfifo fifo; '"$devnode"'
echo long > "$(printf "n%.0s" $(seq 200))"
'
sh_ovl "$L" "$U" "$changes"
assert_status 0
[[ -z $ERR ]] || fail "the run's stderr: $ERR"
# the same changes made by the kernel's overlayfs: its upper is read alike
"$KOVLRUN" --lower="$L" --upper="$T/ku" -- /bin/sh -c "$changes" || fail "the kernel's run"
mkdir "$T/m"
# the kernel's read-only overlay of the layers: redirects followed (a user's
# mount follows none: a rootless upper has none)
vopts=ro,redirect_dir=follow,index=off
[[ $OVLRUN_ROOTLESS != 1 ]] || vopts=ro,userxattr,index=off
# view DIR...: the kernel's read-only overlay of the dirs (top first), dumped
view() {
	local lowers
	lowers=$(IFS=:; echo "$*")
	as_ns_root unshare -m bash -c "mount -t overlay overlay -o $vopts,lowerdir=$lowers '$T/m' &&
		'$(tool treedump)' '$T/m'"
}
names() { (cd "$1" && find . | sed 's/^\.//; s/^$/\//' | sort); }

ux=
[[ $OVLRUN_ROOTLESS != 1 ]] || ux=--userxattr
# check UPPER TAG: diff, export and commit of UPPER against the kernel's
# view of it
check() {
	local U=$1 tag=$2 listing
	view "$U" "$L" > "$T/$tag.want" || fail "$tag upper: the kernel's view"

	# ---- diff
	as_ns_root unshare -m bash -c "mount -t overlay overlay -o $vopts,lowerdir='$U:$L' '$T/m' &&
		cd '$T/m' && find . | sed 's/^\.//' | sort" > "$T/$tag.kview.names"
	names "$L" > "$T/$tag.lower.names"
	python3 - "$T/$tag.kview.names" "$T/$tag.lower.names" "$U" > "$T/$tag.diff.want" <<-'PY'
	import os, stat, sys
	view = set(open(sys.argv[1]).read().split('\n')) - {''}
	lower = set(open(sys.argv[2]).read().split('\n')) - {'', '/'}
	upper = sys.argv[3]
	def parent(p): return os.path.dirname(p) or '/'
	def in_upper(p):
	    try:
	        st = os.lstat(upper + p)
	    except FileNotFoundError:
	        return False
	    return not (stat.S_ISCHR(st.st_mode) and st.st_rdev == 0)
	out = []
	for p in view:
	    if p in lower:
	        if in_upper(p): out.append('C ' + p)
	    else:
	        out.append('A ' + p)
	for p in lower - view:
	    if parent(p) in view: out.append('D ' + p)
	print('\n'.join(sorted(out)))
	PY
	run_ovl diff "$U" --lower="$L"
	assert_status 0
	assert_eq "$(cat "$T/$tag.diff.want")" "$(sort <<< "$OUT")" "$tag upper: diff against the kernel's view"
	run_ovl diff "$U" --lower="$L" --stat
	assert_eq "$(grep -c '^A' "$T/$tag.diff.want") added, $(grep -c '^C' "$T/$tag.diff.want") changed, $(grep -c '^D' "$T/$tag.diff.want") deleted" \
		"${OUT%%;*}" "$tag upper: diff --stat"
	# without the lowers: a copy-up origin tells changed from added (a name
	# made anew over a lower one reads as added); a moved dir's content and
	# what an opaque dir hides are not known
	python3 - "$T/$tag.diff.want" "$U" "$OVL_XATTR.origin" > "$T/$tag.diff.nolower" <<-'PY'
	import os, sys
	out = []
	for line in open(sys.argv[1]).read().split('\n'):
	    if not line or line.startswith('A /t/moved/') or line.startswith('D /t/op/'):
	        continue
	    k, p = line.split(' ', 1)
	    if k == 'C':
	        try:
	            os.getxattr(sys.argv[2] + p, sys.argv[3], follow_symlinks=False)
	        except OSError:
	            k = 'A'
	    out.append(k + ' ' + p)
	print('\n'.join(sorted(out)))
	PY
	run_ovl diff "$U"
	assert_status 0
	assert_eq "$(cat "$T/$tag.diff.nolower")" "$(sort <<< "$OUT" | grep -v '^A /t/moved/')" \
		"$tag upper: diff without the lowers"

	# ---- export
	"$OVLRUN" export "$U" --lower="$L" > "$T/$tag.layer.tar" || fail "$tag upper: export to a file"
	as_ns_root cp -a "$L" "$T/$tag.applied"
	as_ns_root python3 - "$T/$tag.layer.tar" "$T/$tag.applied" <<-'PY' || fail "$tag upper: applying the layer's whiteouts"
	import os, shutil, sys, tarfile
	root = sys.argv[2]
	def rm(p):
	    if os.path.isdir(p) and not os.path.islink(p): shutil.rmtree(p)
	    elif os.path.lexists(p): os.unlink(p)
	for m in tarfile.open(sys.argv[1]):
	    d, b = os.path.split(m.name)
	    if b == '.wh..wh..opq':
	        if os.path.isdir(os.path.join(root, d)):    # (else a new dir: nothing below)
	            for n in os.listdir(os.path.join(root, d)): rm(os.path.join(root, d, n))
	    elif b.startswith('.wh.'):
	        rm(os.path.join(root, d, b[4:]))
	PY
	as_ns_root tar --xattrs --xattrs-include='*' --numeric-owner -xpf "$T/$tag.layer.tar" -C "$T/$tag.applied" --exclude='.wh.*' ||
		fail "$tag upper: extracting the layer"
	tree_dump "$T/$tag.applied" > "$T/$tag.applied.dump"
	diff -u "$T/$tag.want" "$T/$tag.applied.dump" >&2 || fail "$tag upper: the exported layer applied differs from the kernel's view"
	listing=$(tar tvf "$T/$tag.layer.tar")
	grep -q ' t/\.wh\.gone$' <<< "$listing" || fail "$tag upper: no whiteout for a removed dir"
	grep -q ' t/op/\.wh\.\.wh\.\.opq$' <<< "$listing" || fail "$tag upper: no opaque mark for a replaced dir"
	grep -q '^h.* t/nd/inner/z link to t/hard$' <<< "$listing" ||
		fail "$tag upper: hard links not kept as links: $(grep -e hard -e inner/z <<< "$listing")"
	if [[ $OVLRUN_ROOTLESS == 1 ]]; then
		# (no redirect: /t/moved was copied)
		"$OVLRUN" export "$U" > /dev/null || fail "$tag upper: export without the lowers"
	else
		run_ovl export "$U"
		assert_status 1
		assert_stderr_contains "/t/moved was moved with a redirect"
	fi

	# ---- commit, on copies: the lower must stay as it was for the checks above
	as_ns_root cp -a "$L" "$T/$tag.target"
	as_ns_root cp -a "$U" "$T/$tag.uc"
	as_ns_root cp -a "$U" "$T/$tag.uc3"
	run_ovl commit "$T/$tag.uc" --lower="$T/$tag.target"
	assert_status 0
	tree_dump "$T/$tag.target" > "$T/$tag.target.dump"
	diff -u "$T/$tag.want" "$T/$tag.target.dump" >&2 || fail "$tag upper: the committed dir differs from the kernel's view"
	assert_eq "" "$(ls -A "$T/$tag.uc")" "$tag upper: the upper after commit"
	run_ovl commit "$T/$tag.uc" --lower="$T/$tag.target"
	assert_status 0
	tree_dump "$T/$tag.target" > "$T/$tag.target.dump2"
	diff -u "$T/$tag.want" "$T/$tag.target.dump2" >&2 || fail "$tag upper: a second commit of the emptied upper changed the dir"
	run_ovl commit "$U" --lower="$L:$T/$tag.target"
	assert_status 1
	assert_stderr_contains "--lower=DIR names the one dir"
	# a mount below the dir (host data bound there): refused, nothing removed
	# (the rootless pass: as root of the user's namespace, where the tool
	# is told the upper's format)
	as_ns_root cp -a "$L" "$T/$tag.target2"
	mkdir -p "$T/$tag.hostdata/gone/deep"; echo keep > "$T/$tag.hostdata/gone/deep/g"
	STATUS=0
	ERR=$(as_ns_root unshare -m bash -c "mount --bind '$T/$tag.hostdata' '$T/$tag.target2/t' &&
		'$OVLRUN' commit '$U' --lower='$T/$tag.target2' $ux" 2>&1) || STATUS=$?
	assert_status 1
	[[ $ERR == *"has a mount below it"* ]] || fail "$tag upper: commit over a mount: $ERR"
	assert_file_content "$T/$tag.hostdata/gone/deep/g" keep
	# a target that is not the lower: a symlink to outside where the upper
	# has a dir: replaced, nothing written through it
	as_ns_root cp -a "$L" "$T/$tag.target3"
	mv "$T/$tag.target3/t" "$T/$tag.outside"
	ln -s "$T/$tag.outside" "$T/$tag.target3/t"
	tree_dump "$T/$tag.outside" > "$T/$tag.outside.before"
	run_ovl commit "$T/$tag.uc3" --lower="$T/$tag.target3"
	tree_dump "$T/$tag.outside" > "$T/$tag.outside.after"
	diff -u "$T/$tag.outside.before" "$T/$tag.outside.after" >&2 ||
		fail "$tag upper: commit wrote through a symlink of the target"
}

check "$U" ovlrun
check "$T/ku" kernel
[[ $OVLRUN_ROOTLESS == 1 ]] || finish

# Owner records (the rootless pass): a device node and an owner past the
# user's ranges.  export gives them as the entries' headers, not as the
# record; commit keeps the record in the dir, and a run over it shows them.
R=$T/ur
sh_ovl "$L" "$R" 'cd /t; mknod null c 1 3; echo r > rec; chown 70000:70001 rec; chmod 4750 rec
	stat -c "%n %F %t:%T %u:%g %a" null rec'
assert_status 0
shown=$OUT
assert_eq "null character special file 1:3 0:0 644
rec regular file 0:0 70000:70001 4750" "$shown" "the records inside"
"$OVLRUN" export "$R" --lower="$L" > "$T/rec.tar" || fail "export of the records"
OUT=$(python3 - "$T/rec.tar" <<-'PY'
	import sys, tarfile
	for m in tarfile.open(sys.argv[1]):
	    if m.name in ('t/null', 't/rec'):
	        print(m.name, 'chr' if m.ischr() else 'reg' if m.isreg() else m.type,
	              '%d:%d' % (m.devmajor, m.devminor), '%d:%d' % (m.uid, m.gid), '%o' % m.mode,
	              m.size, ' '.join(k for k in m.pax_headers if 'xattr' in k) or '-')
	PY
)
assert_stdout "t/null chr 1:3 0:0 644 0 -
t/rec reg 0:0 70000:70001 4750 2 -"
as_ns_root cp -a "$L" "$T/rec.target"
run_ovl commit "$R" --lower="$T/rec.target"
assert_status 0
sh_ovl "$T/rec.target" "" 'cd /t; stat -c "%n %F %t:%T %u:%g %a" null rec; cat rec'
assert_stdout "$shown
r"
finish
