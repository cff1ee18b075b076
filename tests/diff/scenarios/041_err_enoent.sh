# ENOENT error messages.
script=$(cat <<'EOS'
cat /nope
ls /nope
rm /nope
rmdir /nope
mv /nope /tmp/x
ln -s x /nodir/y
mkdir /nodir/sub
cd /nope
echo "end $?"
EOS
)
