# EEXIST error messages.
script=$(cat <<'EOS'
mkdir /etc
ln -s x /etc/passwd
ln /etc/group /etc/passwd
mkfifo /etc/passwd
mknod /etc/passwd c 1 3
mkdir /tmp/d; mkdir /tmp/d
echo "end $?"
EOS
)
