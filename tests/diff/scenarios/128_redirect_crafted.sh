# Crafted redirects in an upper: ".." fails the lookup with EACCES, a redirect
# to a file merges nothing; the listing and d_ino as the kernel's.
setup_lower() {
	mkdir -p data/t/u
	echo s > data/secret
}
setup_upper() {
	mkdir -p data/r1 data/r7 data/ok
	setfattr -n "$OVL_XATTR.redirect" -v .. data/r1
	setfattr -n "$OVL_XATTR.redirect" -v /data/secret data/r7
}
script=$(cat <<'EOS'
ls -a /data; echo "rc $?"
ovlprobe dino /data
ls -a /data/r7; stat -c '%n %F' /data/r7 /data/r1
EOS
)
