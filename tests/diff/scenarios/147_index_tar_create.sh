# index=on: GNU tar c stores the names of a hard-linked lower file once
# needs host root: the kernel's overlayfs keeps no index in a user namespace (it cannot decode file handles there; ovlrun falls back alike)
# (the others as links), before and after a copy-up through one name, and
# with --hard-dereference each name in full; the listing and the extracted
# copy (in the upper) are the kernel's.
index=on
image=debian
setup_top_lower() {
	mkdir -p data/sub
	echo data > data/a; ln data/a data/b; ln data/a data/sub/c
	echo solo > data/x
	printf 'two\n' > data/p; ln data/p data/sub/q
}
script=$(cat <<'EOS'
cd /data
list() { tar tvf "$1" | awk '{$4 = $5 = ""; print}'; }
tar cf /tmp/before.tar --sort=name .
list /tmp/before.tar
echo more >> sub/c
tar cf /tmp/after.tar --sort=name .
echo "-- after the copy-up of sub/c"
list /tmp/after.tar
tar cf /tmp/deref.tar --sort=name --hard-dereference .
echo "-- hard-dereference"
list /tmp/deref.tar
mkdir /out && tar xf /tmp/after.tar -C /out
stat -c '%n %h %s' /out/a /out/b /out/sub/c /out/p /out/sub/q
[ /out/a -ef /out/sub/c ] && echo "out: a=sub/c"
cat /out/b
rm /tmp/*.tar
EOS
)
