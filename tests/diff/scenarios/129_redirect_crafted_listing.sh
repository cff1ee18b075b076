# An invalid redirect on an upper subdir of an impure dir hides that entry
# only; the rest of the listing shows, as on the kernel's overlayfs.
setup_lower() {
	mkdir -p data/t; echo a > data/a
}
setup_upper() {
	mkdir -p data/r1 data/ok
	setfattr -n "$OVL_XATTR.impure" -v y data
	setfattr -n "$OVL_XATTR.redirect" -v .. data/r1
}
script=$(cat <<'EOS'
ls /data; echo "rc $?"
EOS
)
