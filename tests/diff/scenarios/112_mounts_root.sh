# The root is an overlay in the mount tables, as on overlayfs: df -T, the
# first fields of /proc/mounts' and mountinfo's root line (their options
# differ: the kernel's name the layers' host paths).  statfs says overlay.
script=$(cat <<'EOS'
df -T / | tail -1 | awk '{print $1, $2, $NF}'
grep ' / ' /proc/mounts | cut -d' ' -f1-3
awk '$5 == "/" { for (i = 7; $i != "-"; i++) ; print $4, $5, substr($6, 1, 3), $(i + 1), $(i + 2) }' /proc/self/mountinfo
stat -f -c %t /
touch /new && echo writable
EOS
)
