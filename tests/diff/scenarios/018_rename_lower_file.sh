# Renaming a lower file: copy-up to the new name, whiteout at the old.
setup_lower() {
	mkdir -p data/sub
	echo content > data/f
	chmod 640 data/f
}
script=$(cat <<'EOS'
mv /data/f /data/g
ls /data
cat /data/g
stat -c '%n %a' /data/g
mv /data/g /data/sub/h
ls /data /data/sub
cat /data/sub/h
EOS
)
