# The caller's umask applies to created files and dirs.
script=$(cat <<'EOS'
umask 027
touch /tmp/f; mkdir /tmp/d; mkfifo /tmp/p
stat -c '%n %a' /tmp/f /tmp/d /tmp/p
umask 0
touch /tmp/f0; mkdir /tmp/d0
stat -c '%n %a' /tmp/f0 /tmp/d0
umask 777
touch /tmp/f7; mkdir /tmp/d7
stat -c '%n %a' /tmp/f7 /tmp/d7
EOS
)
