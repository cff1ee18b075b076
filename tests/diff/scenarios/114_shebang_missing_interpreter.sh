# A "#!" script whose interpreter is missing: bash reports the script
# cannot be executed for a missing file (ENOENT from execve), env reports
# the command it could not find, as on overlayfs.
image=debian
script=$(cat <<'EOS'
printf '#!/nonexistent/interp\necho hi\n' > /tmp/s1
printf '#!/usr/bin/env nothere-cmd\necho hi\n' > /tmp/s2
printf '#!/tmp/s1\necho hi\n' > /tmp/s3
chmod +x /tmp/s1 /tmp/s2 /tmp/s3
for s in /tmp/s1 /tmp/s2 /tmp/s3; do bash -c "$s"; echo "$s: $?"; done
rm /tmp/s1 /tmp/s2 /tmp/s3
EOS
)
