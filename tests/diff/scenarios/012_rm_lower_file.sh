# Removing a lower file leaves a whiteout in the upper.
setup_lower() {
	mkdir -p data
	echo a > data/a
	echo b > data/b
}
script=$(cat <<'EOS'
rm /data/a
ls -a /data
cat /data/a
echo "status $?"
test -e /data/a || echo gone
EOS
)
