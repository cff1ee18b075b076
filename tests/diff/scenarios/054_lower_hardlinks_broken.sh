# Hard links in the lower: modifying one name copies only that name up
# (without index=on the link is broken, as documented for overlayfs).
setup_lower() {
	mkdir -p data
	echo same > data/a
	ln data/a data/b
}
script=$(cat <<'EOS'
stat -c '%n %h' /data/a /data/b
echo changed >> /data/a
cat /data/a /data/b
stat -c '%n %h' /data/a /data/b
EOS
)
