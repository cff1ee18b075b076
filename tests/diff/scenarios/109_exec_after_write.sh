# A file written and closed, then executed at once: as on Linux, never
# ETXTBSY.  ovlrun sends a writable fd with the open's answer while its own
# copy is still open for a moment (syscalls/sent.c); an exec of the file
# waits for that copy to be closed.  The loops make the race likely: the
# shell writes a script and runs it, cp copies a binary and it runs.
script=$(cat <<'EOS'
i=0 bad=0
while [ $i -lt 300 ]; do
	printf '#!/bin/sh\nexit 0\n' > /tmp/s$i
	chmod +x /tmp/s$i
	/tmp/s$i || bad=$((bad + 1))
	i=$((i + 1))
done
echo "scripts written then run: $bad failed"
i=0 bad=0
while [ $i -lt 100 ]; do
	cp /usr/bin/ovlprobe /tmp/b$i && /tmp/b$i hello > /dev/null || bad=$((bad + 1))
	i=$((i + 1))
done
echo "binaries copied then run: $bad failed"
rm -f /tmp/s* /tmp/b*
EOS
)
