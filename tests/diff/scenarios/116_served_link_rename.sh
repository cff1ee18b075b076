# link and rename inside a kernel-served mount (/dev/shm) are the kernel's,
# as unlink there is (glibc's sem_open links a temp file in /dev/shm);
# across it and the overlay they fail with EXDEV, as across mounts.
setup_lower() {
	mkdir -p data
	echo d > data/f
}
script=$(cat <<'EOS'
echo a > /dev/shm/a
ln /dev/shm/a /dev/shm/b; echo "ln in shm: $?"
mv /dev/shm/b /dev/shm/c; echo "mv in shm: $?"
ls /dev/shm
cat /dev/shm/c
ln /dev/shm/a /dev/shm/c; echo "ln onto a taken name: $?"
ln /dev/shm/nothere /dev/shm/x; echo "ln of a missing name: $?"
ln /dev/shm/a /data/a; echo "ln shm to overlay: $?"
ln /data/f /dev/shm/f; echo "ln overlay to shm: $?"
ovlprobe rename /dev/shm/a /data/a; echo "rename shm to overlay: $?"
ovlprobe rename /data/f /dev/shm/f; echo "rename overlay to shm: $?"
rm /dev/shm/a /dev/shm/c
EOS
)
