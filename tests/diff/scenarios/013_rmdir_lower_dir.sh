# rmdir of an empty lower directory: whiteout.
setup_lower() {
	mkdir -p data/empty data/keep
}
script=$(cat <<'EOS'
rmdir /data/empty
ls -a /data
rmdir /data/empty
echo "status $?"
EOS
)
