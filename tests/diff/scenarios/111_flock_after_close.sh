# A lock taken through a just-opened fd dies with the last close of it, as
# on Linux: a second open of the file can take it at once.  ovlrun sends an
# open's fd with the answer while its own copy is still open for a moment
# (syscalls/sent.c); a lock call waits for that copy to be closed, or the
# lock would outlive the command's close.  (ovlprobe lock: open, lock,
# close in one process, then the same at once with LOCK_NB.)
script=$(cat <<'EOS'
i=0 bad=0
while [ $i -lt 200 ]; do
	ovlprobe lock-reopen /tmp/lk$i || bad=$((bad + 1))
	i=$((i + 1))
done
echo "a lock after its holder closed: $bad refused"
rm -f /tmp/lk*
EOS
)
