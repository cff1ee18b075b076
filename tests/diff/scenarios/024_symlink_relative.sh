# Relative symlinks, created inside and present in the lower.
setup_lower() {
	mkdir -p data/sub
	ln -s ../../etc/passwd data/sub/pw
	echo t > data/target
}
script=$(cat <<'EOS'
ln -s ../etc/group /data/grp
ln -s target /data/rel
readlink /data/grp; readlink /data/rel; readlink /data/sub/pw
cat /data/grp /data/rel
head -n1 /data/sub/pw
cd /data/sub && cat ../rel
EOS
)
