# ENOTDIR error messages.
script=$(cat <<'EOS'
cat /etc/passwd/x
mkdir /etc/passwd/d
ls /etc/passwd/
rmdir /etc/passwd
cd /etc/passwd
touch /etc/passwd/x
echo "end $?"
EOS
)
