# Appending to a lower file: copy-up with the old data, then append.
setup_lower() {
	mkdir -p data
	printf 'one\ntwo\n' > data/f
}
script=$(cat <<'EOS'
echo three >> /data/f
echo four >> /data/f
cat /data/f
wc -l /data/f
EOS
)
