# link's errors in Linux's order: the old name must exist (ENOENT), then the
# new one must be free (EEXIST, also for "."), and only then may the old one
# not be a directory (EPERM).
setup_lower() {
	mkdir -p data/d
	echo f > data/f
}
script=$(cat <<'EOS'
cd /data
ln d f; echo "ln dir existing: $?"
ln d new; echo "ln dir new: $?"
ln d .; echo "ln dir dot: $?"
ln f d/.; echo "ln file dot: $?"
ln nothere x; echo "ln missing: $?"
ln nothere f; echo "ln missing existing: $?"
EOS
)
