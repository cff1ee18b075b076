# A cwd that was removed: listing and stat of "." still answer, creating in
# it fails; also a lower dir removed under a process's feet (its stat is
# left out: README, Differences, 7).
setup_lower() {
	mkdir -p data/low
}
script=$(cat <<'EOS'
mkdir /d && cd /d && rmdir /d
ls -a .; echo "ls $?"
stat -c '%h %F' .
touch x; echo "touch $?"
cd /data/low && rmdir /data/low
ls -a .; echo "ls $?"
cd /
ls /data
EOS
)
