# Creating a file in a lower dir copies the dir chain up (not opaque).
setup_lower() {
	mkdir -p data/a/b
	echo old > data/a/b/old
	chmod 751 data/a/b
	chown 1000:1000 data/a
}
script=$(cat <<'EOS'
echo new > /data/a/b/new
ls /data/a/b
stat -c '%n %a %u:%g' /data/a /data/a/b
EOS
)
