# cp -a of a lower tree (modes, owners, symlinks, times preserved).
setup_lower() {
	mkdir -p data/t/s
	echo a > data/t/a
	echo b > data/t/s/b
	ln -s a data/t/l
	chown -R 1000:1000 data/t/s
	chmod 711 data/t/s
	touch -h -d @981173106 data/t/a data/t/l data/t/s/b
}
script=$(cat <<'EOS'
cp -a /data/t /tmp/copy
find /tmp/copy | sort | while read -r p; do stat -c '%n %F %a %u:%g' "$p"; done
stat -c '%n %Y' /tmp/copy/a /tmp/copy/s/b
readlink /tmp/copy/l
cp -a /data/t/a /data/t/s/
cat /data/t/s/a
EOS
)
