# Overwriting a lower file copies it up (mode and owner kept, data replaced).
setup_lower() {
	mkdir -p data
	echo original > data/f
	chmod 640 data/f
	chown 1000:1000 data/f
}
script=$(cat <<'EOS'
echo replaced > /data/f
cat /data/f
stat -c '%n %a %u:%g %s' /data/f
EOS
)
