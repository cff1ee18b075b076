# link's errors in Linux's order: the old name must exist (ENOENT), then the
# new one must be free (EEXIST, also for "."), then a user may link only
# what it owns (protected hardlinks: EPERM), then the new name's dir must
# be writable by the caller (EACCES), and only then may the old one not be
# a directory (EPERM).
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
mkdir closed && chmod 555 closed
ovlprobe runas 1000 1000 ln d closed/new; echo "ln dir into a closed dir as a user: $?"
ovlprobe runas 1000 1000 ln f closed/new; echo "ln file into a closed dir as a user: $?"
echo mine > own && chown 1000 own
ovlprobe runas 1000 1000 ln own closed/new; echo "ln own file into a closed dir as a user: $?"
ovlprobe runas 1000 1000 ln own new2; echo "ln own file into an open dir as a user: $?"
EOS
)
