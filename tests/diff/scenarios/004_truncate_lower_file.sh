# truncate(2) and O_TRUNC on lower files.
setup_lower() {
	mkdir -p data
	echo abcdefgh > data/f
	echo 0123456789 > data/g
	echo hhhh > data/h
}
script=$(cat <<'EOS'
truncate -s 3 /data/f
cat /data/f; echo
truncate -s 0 /data/g
wc -c /data/g
: > /data/h
wc -c /data/h
stat -c '%n %s' /data/f /data/g /data/h
EOS
)
