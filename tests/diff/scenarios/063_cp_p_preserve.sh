# cp -p of a lower file keeps mode, owner and times.
setup_lower() {
	mkdir -p data
	echo f > data/f
	chmod 604 data/f
	chown 1000:65534 data/f
	touch -d @981173106 data/f
}
script=$(cat <<'EOS'
cp -p /data/f /tmp/f
stat -c '%n %a %u:%g %Y' /tmp/f
cp /data/f /tmp/g
stat -c '%n %a %u:%g' /tmp/g
EOS
)
