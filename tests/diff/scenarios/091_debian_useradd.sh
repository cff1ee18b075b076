# Users and groups on the Debian image: useradd -m (home from /etc/skel),
# groupadd, usermod -aG, chage, passwd -l, a file made as the new user,
# userdel -r of another user; /etc/passwd, group, shadow, gshadow, their
# backups and the homes in the upper are the kernel's.  chage fixes the
# last-change day that useradd takes from the clock.
image=debian
script=$(cat <<'EOS'
set -e
groupadd -g 2000 devs
useradd -m -u 1500 -s /bin/bash -c "Alice A" alice
useradd -m -u 1501 bob
usermod -aG devs alice
chage -d 19000 alice
chage -d 19000 bob
passwd -l bob > /dev/null 2>&1
id alice
id bob
getent passwd alice bob
grep -E '^(alice|bob):' /etc/shadow
grep devs /etc/group /etc/gshadow
ls -la /home/alice | awk 'NR > 1 {print $1, $3, $4, $NF}'
setpriv --reuid=1500 --regid=1500 --init-groups env HOME=/home/alice sh -c 'echo mine > ~/f; id -Gn; touch /etc/x 2>&1 || true'
stat -c '%n %U %G %a' /home/alice/f
userdel -r bob
ls /home
getent passwd bob || echo "bob is gone"
EOS
)
