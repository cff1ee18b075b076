# Two lowers: the top one shadows the bottom one; copy-up takes the top file.
setup_lower() {
	mkdir -p data
	echo bottom > data/f
	echo bottom-only > data/bottom
}
setup_top_lower() {
	mkdir -p data
	echo top > data/f
	echo top-only > data/top
	chmod 600 data/f
}
script=$(cat <<'EOS'
cat /data/f
ls /data
stat -c '%n %a' /data/f
echo appended >> /data/f
cat /data/f
EOS
)
