# inotify on a merged directory and on a lower file: create, write,
# append to a lower file (copy-up), read, delete of a lower entry, mkdir/
# rmdir, renames (within and out of the dir), chmod, touch, listing, unlink
# of the watched file; no whiteout or copy-up artefacts.
setup_lower() {
	mkdir -p d/sub e
	echo lower > d/lf
	echo lower2 > d/lf2
	echo l3 > d/lf3
	echo x > e/ef
}
script=$(cat <<'EOS'
ovlprobe inotify /d /d/lf -- sh -c '
echo new > /d/nf; echo more >> /d/lf; cat /d/lf2 > /dev/null; rm /d/lf3; mkdir /d/nd; rmdir /d/nd;
mv /d/lf2 /d/lf2b; mv /d/nf /e/nf; chmod 600 /d/lf; touch /d/sub; ls /d > /dev/null; rm /d/lf; echo > /d/lf2b'
EOS
)
