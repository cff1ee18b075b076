# mkdir -p deep below lower directories: parents are copied up.
setup_lower() {
	mkdir -p data/a/b
	chmod 750 data/a
	chown 1000:1000 data/a/b
}
script=$(cat <<'EOS'
mkdir -p /data/a/b/c/d/e/f/g/h
echo leaf > /data/a/b/c/d/e/f/g/h/leaf
find /data | sort
cat /data/a/b/c/d/e/f/g/h/leaf
stat -c '%n %a %u:%g' /data/a /data/a/b /data/a/b/c
EOS
)
