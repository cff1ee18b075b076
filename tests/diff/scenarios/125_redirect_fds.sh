# Calls on fds of lower files inside a moved dir (fchmod, fsetxattr, futimens,
# fchown, fstat) act on the file's overlay name, never on another file
# that took its layer path's name (k moved to d).
setup_lower() {
	mkdir -p data/d data/k
	echo f > data/d/f; echo g > data/d/g; echo h > data/d/h; echo i > data/d/i
	echo k > data/k/f
}
script=$(cat <<'EOS'
cd /data
mv d e; echo "mv $?"
ovlprobe fchmod e/f 600; echo "fchmod $?"; stat -c '%n %a' e/f
ovlprobe fsetxattr e/g user.x v; echo "fsetxattr $?"; ovlprobe getxattr e/g user.x
ovlprobe futimens e/h; echo "futimens $?"; stat -c '%n %Y' e/h
mv k d; echo "mv k d $?"
ovlprobe fchmod e/i 604; echo "fchmod2 $?"; stat -c '%n %a' e/i d/f
ovlprobe fchown e/f 5 5; echo "fchown $?"; stat -c '%n %u' e/f d/f
exec 3< e/h; ovlprobe fstat 3 e/h
find /data | sort
EOS
)
