#!/usr/bin/env bash
# Symlinks resolve inside the overlay: an absolute symlink to a host path, a
# relative one climbing with ../.., a symlinked dir, in the lower, the upper
# and created at run time; reads and writes through them never reach the host.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
marker_dir=$T/host-secret
mkdir "$marker_dir"
secret="HOST-SECRET-$RANDOM$RANDOM"
echo "$secret" > "$marker_dir/marker"
marker=$marker_dir/marker
climb=../../../../../../../../../../..$marker
assert_file_content "$marker" "$secret"

mk_links() { # DIR
	mkdir -p "$1/data/sub"
	ln -s "$marker" "$1/data/abs"
	ln -s "$climb" "$1/data/sub/rel"
	ln -s "$marker_dir" "$1/data/dirlink"
}
L=$(new_lower)
mk_links "$L"
snapshot_lower "$L"
U=$T/u
mkdir -p "$U/updata"
ln -s "$marker" "$U/updata/abs"
host_before=$(tree_dump "$marker_dir")

sh_ovl "$L" "$U" "
cat /data/abs
cat /data/sub/rel
ls /data/dirlink/
cat /updata/abs
ln -s $marker /tmp/runtime; cat /tmp/runtime
echo pwned > /data/abs
echo pwned > /data/sub/rel
echo pwned > /updata/abs
echo pwned > /data/dirlink/new
rm -rf /data/dirlink/
chmod 777 /data/abs
echo end"
assert_status 0
assert_stdout "end"
assert_stderr "cat: can't open '/data/abs': No such file or directory
cat: can't open '/data/sub/rel': No such file or directory
ls: /data/dirlink/: No such file or directory
cat: can't open '/updata/abs': No such file or directory
cat: can't open '/tmp/runtime': No such file or directory
/bin/sh: can't create /data/abs: nonexistent directory
/bin/sh: can't create /data/sub/rel: nonexistent directory
/bin/sh: can't create /updata/abs: nonexistent directory
/bin/sh: can't create /data/dirlink/new: nonexistent directory
chmod: /data/abs: No such file or directory"
[[ $OUT$ERR != *"$secret"* ]] || fail "the host secret leaked into the sandbox"
assert_eq "$host_before" "$(tree_dump "$marker_dir")" "host directory outside the image"
assert_file_content "$marker" "$secret"

# The probe works: with the targets present in the image the same links are
# followed (to the image's copy).
L2=$(new_lower)
mk_links "$L2"
mkdir -p "$L2$marker_dir"
echo IMAGE-COPY > "$L2$marker"
snapshot_lower "$L2"
sh_ovl "$L2" "$T/u2" "cat /data/abs /data/sub/rel; ls /data/dirlink/; echo changed > /data/abs; cat /data/sub/rel"
assert_status 0
assert_stdout "IMAGE-COPY
IMAGE-COPY
marker
changed"
assert_file_content "$T/u2$marker" "changed"
assert_file_content "$marker" "$secret"
finish
