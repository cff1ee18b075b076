# Fds opened on lower files before a copy-up read the copy from then on (as
# overlayfs since Linux 4.19), keeping their offset: a half-read file
# appended to by another process, a dup'ed fd, an fd a child inherits, a
# file copied up by chmod; fstat of such an fd describes the object its path
# names, and reads agree with it.
setup_lower() {
	mkdir -p data
	printf 'one\ntwo\nthree\n' > data/a
	echo b-lower > data/b
	echo c-lower > data/c
}
script=$(cat <<'EOS'
cd /data
exec 3< a 4< b 6< c
read first <&3; echo "read: $first"
/bin/sh -c 'echo four >> /data/a'
echo "rest:"; cat <&3
exec 5<&4
echo b-upper > b
ovlprobe fstat 4 b
ovlprobe fstat 5 b
cat <&5
(cat <&4; echo "child's read done")
chmod 600 c
ovlprobe fstat 6 c
cat <&6
EOS
)
