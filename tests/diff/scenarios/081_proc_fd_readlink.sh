# readlink of /proc/self/fd/N, cwd and exe shows overlay paths, for lower
# files, upper files and an unlinked one.
setup_lower() {
	mkdir -p data
	echo l > data/low
}
script=$(cat <<'EOS'
echo u > /data/up
exec 3< /data/low 4< /data/up
echo t > /tmp/t
exec 5< /tmp/t
rm /tmp/t
readlink /proc/self/fd/3 /proc/self/fd/4 /proc/self/fd/5
cd /data && readlink /proc/self/cwd
readlink /proc/self/exe
cat /proc/self/fd/3 /proc/self/fd/5
EOS
)
