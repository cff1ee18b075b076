# inotify: links, symlinks, FIFOs, truncate, times (touch -a / -m / both),
# xattrs, O_TRUNC of a lower file, a deep create under a lower-only dir
# (copy-up of its parents), rmdir of a watched dir, rm_watch, error codes.
setup_lower() {
	mkdir -p d/deep/er w
	echo f > d/f
	echo g > d/deep/er/g
	echo long-enough > d/t
}
script=$(cat <<'EOS'
ovlprobe inotify /d /d/deep/er /w /nonexistent -- sh -c '
ln /d/f /d/f2
ln -s f /d/sl
mkfifo /d/fifo
truncate -s 2 /d/t
touch -a /d/f
touch -m /d/f
touch /d/f
ovlprobe setxattr /d/f user.k v
ovlprobe removexattr /d/f user.k
echo trunc > /d/t
echo new > /d/deep/er/n
rm /d/deep/er/g /d/deep/er/n
rmdir /d/deep/er
rmdir /w'
ovlprobe inotify -o /d/f -- true
ovlprobe inotify -e create /d -- sh -c 'echo 1 > /d/c1; cat /d/c1; rm /d/c1'
EOS
)
