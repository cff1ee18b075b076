# index=on: cp -a of a tree holding hard-linked lower files keeps each
# needs host root: the kernel's overlayfs keeps no index in a user namespace (it cannot decode file handles there; ovlrun falls back alike)
# group one file in the copy (cp tells names apart by st_dev/st_ino), also
# after one name was copied up, and cp -al (a link per name: every name
# is copied up into the index entry) and cp over a name (written in place).
index=on
image=debian
setup_top_lower() {
	mkdir -p data/sub
	echo data > data/a; ln data/a data/b; ln data/a data/sub/c
	echo two > data/p; ln data/p data/sub/q
	echo solo > data/x
}
script=$(cat <<'EOS'
groups() { (cd "$1" && find . -type f -printf '%i %n %p\n' | sort -k3 | awk '{ if (!($1 in g)) g[$1] = $3; print $3, $2, "group=" g[$1] }'); }
cp -a /data /c1; groups /c1
chmod 600 /data/b
echo "-- after chmod of b"
cp -a /data /c2; groups /c2
stat -c '%n %a' /c2/a /c2/sub/c
echo "-- cp -al"
cp -al /data /l; groups /l
groups /data
stat -c '%n %h' /data/a /data/p /data/x
[ /l/sub/q -ef /data/p ] && echo "l/sub/q = data/p"
echo "-- cp over a name"
echo fresh > /tmp/f; cp /tmp/f /data/sub/c; cat /data/a /l/b
cp --remove-destination /tmp/f /data/sub/q; stat -c '%n %h' /data/p /data/sub/q /l/p
EOS
)
