# rm then recreate a lower file: the whiteout is replaced by the new file.
setup_lower() {
	mkdir -p data
	echo old > data/f
	chmod 600 data/f
}
script=$(cat <<'EOS'
rm /data/f
echo new > /data/f
cat /data/f
stat -c '%n %a %s' /data/f
EOS
)
