#!/usr/bin/env bash
# Destructive work inside the sandbox touches nothing on the host: a marker
# outside the image can be neither read nor modified, files created at host
# paths appear only in the upper, and nothing is left outside upper/work.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
marker_dir=$T/host-secret
mkdir "$marker_dir"
secret="HOST-SECRET-$RANDOM$RANDOM"
echo "$secret" > "$marker_dir/marker"
marker=$marker_dir/marker
host_before=$(tree_dump "$marker_dir")
name=ovlrun-escape-$RANDOM$RANDOM
for p in "/tmp/$name" "/$name" "/var/tmp/$name"; do
	[[ ! -e $p ]] || skip "$p exists on the host already"
done
L=$(new_lower)
mkdir -p "$L/data"
echo d > "$L/data/d"
snapshot_lower "$L"
U=$T/work/u
mkdir -p "$T/work"

sh_ovl "$L" "$U" "
cat $marker
rm -rf $marker_dir
echo pwned > $marker
mkdir -p $marker_dir && echo pwned > $marker
touch /tmp/$name /$name
mkdir -p /var/tmp && touch /var/tmp/$name
rm -rf /bin /etc /data /usr /lib /opt /home /root
ls /
echo end"
assert_stdout "$(printf '%s\n' dev linuxrc proc sbin sys tmp var "$name" | LC_ALL=C sort)
end"
assert_stderr "cat: can't open '$marker': No such file or directory
/bin/sh: can't create $marker: nonexistent directory"
# The host: marker intact, no stray files.
assert_file_content "$marker" "$secret"
assert_eq "$host_before" "$(tree_dump "$marker_dir")" "host directory outside the image"
for p in "/tmp/$name" "/$name" "/var/tmp/$name"; do assert_missing "$p"; done
# Everything went to the upper.
assert_file_content "$U$marker" "pwned"
assert_exists "$U/tmp/$name"
assert_exists "$U/$name"
for d in bin etc data usr lib opt home root; do assert_whiteout "$U/$d"; done
assert_eq "u" "$(ls -A "$T/work")" "entries next to the upper after exit"
finish
