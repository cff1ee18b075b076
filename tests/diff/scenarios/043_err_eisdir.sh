# EISDIR error messages.
script=$(cat <<'EOS'
echo x > /etc
cat /etc
rm /etc
unlink /tmp
truncate -s 0 /etc
echo "end $?"
EOS
)
