# Renaming files that exist only in the upper.
script=$(cat <<'EOS'
echo a > /tmp/a
mv /tmp/a /tmp/b
mkdir /tmp/d
mv /tmp/b /tmp/d/c
ls -R /tmp
cat /tmp/d/c
EOS
)
