# An fd opened on a lower file that is then renamed (copied up, moved) reads
# the renamed copy: its overlay path follows the rename (overlay/handed.c).
setup_lower() {
	mkdir -p data
	echo lower > data/a
}
script=$(cat <<'EOS'
cd /data
exec 3< a
mv a b
/bin/sh -c 'echo more >> /data/b'
cat <&3
EOS
)
