# link on a read-only overlay: EROFS before the old name's type is looked
# at (EPERM for a dir), EEXIST before EROFS, as Linux orders them.
no_upper=1
setup_lower() {
	mkdir -p data/d
	echo f > data/f
}
script=$(cat <<'EOS'
cd /data
ln d new; echo "ln dir new: $?"
ln f new; echo "ln file new: $?"
ln d f; echo "ln dir taken: $?"
EOS
)
