# inotify and exec: running a program of a watched dir is an OPEN and an
# ACCESS of the binary, as on the kernel (the binary reaches the kernel as
# a bind mount of the layer file); a watch on a kernel-served path (/dev/shm).
script=$(cat <<'EOS'
ovlprobe inotify -e open,access,close /bin /usr/bin -- /bin/true
ovlprobe inotify -e create,delete /dev/shm -- sh -c 'ln -s null /dev/shm/mynull; rm /dev/shm/mynull'
EOS
)
