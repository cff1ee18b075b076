# sed -i on a lower file (temp file + rename over the lower file).
setup_lower() {
	mkdir -p data
	printf 'apple\nbanana\ncherry\n' > data/f
	chmod 640 data/f
	chown 1000:1000 data/f
}
script=$(cat <<'EOS'
sed -i 's/banana/BANANA/' /data/f
cat /data/f
stat -c '%n %a %u:%g' /data/f
ls -a /data
EOS
)
