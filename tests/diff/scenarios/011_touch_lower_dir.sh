# touch -d of a lower directory copies it up with the new time.
setup_lower() {
	mkdir -p data/dir
	echo a > data/dir/a
	touch -d @981173106 data/dir
}
script=$(cat <<'EOS'
stat -c '%n %Y' /data/dir
touch -d '2011-03-04 05:06:07' /data/dir
stat -c '%n %Y' /data/dir
ls /data/dir
EOS
)
