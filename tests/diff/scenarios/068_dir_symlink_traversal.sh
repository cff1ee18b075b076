# Walking and creating through a lower symlink to a lower dir.
setup_lower() {
	mkdir -p data/real
	echo r > data/real/r
	ln -s real data/ln
}
script=$(cat <<'EOS'
ls /data/ln/
touch /data/ln/new
ls /data/real
cd /data/ln && pwd && ls
cd -P /data/ln && pwd
EOS
)
