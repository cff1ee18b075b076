# tar c of a merged tree, tar x into /tmp.
setup_lower() {
	mkdir -p data/a/b
	echo 1 > data/a/one
	echo 2 > data/a/b/two
	ln -s one data/a/link
	chmod 700 data/a/b
}
script=$(cat <<'EOS'
echo 3 > /data/a/three
rm /data/a/one
tar cf /tmp/d.tar -C / data
tar tf /tmp/d.tar | sort
mkdir /tmp/x
tar xf /tmp/d.tar -C /tmp/x
find /tmp/x | sort
stat -c '%n %a' /tmp/x/data/a/b
cat /tmp/x/data/a/three /tmp/x/data/a/b/two
rm /tmp/d.tar   # its headers hold the current mtime of /data/a
EOS
)
