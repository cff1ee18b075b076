# With every layer on one filesystem, files report the overlay's st_dev as
# dirs do, as on overlayfs: du -x, cp -ax, tar --one-file-system, find
# -xdev, os.path.ismount and mountpoint on files (from the sweep of real
# programs: files had the host's device before).
image=debian
setup_top_lower() {
	mkdir -p data/t/sub
	echo aaaa > data/t/a; echo bbbbbbbb > data/t/sub/b; ln -s a data/t/sym
}
script=$(cat <<'EOS'
cd /data
same() { if [ "$1" = "$2" ]; then echo "$3: same"; else echo "$3: different"; fi; }
same "$(stat -c %d t)" "$(stat -c %d t/a)" "st_dev dir vs lower file"
echo new > t/new
same "$(stat -c %d t)" "$(stat -c %d t/new)" "st_dev dir vs upper file"
same "$(stat -c %d t)" "$(stat -c %d t/sym)" "st_dev dir vs symlink"
du -a -x -b --apparent-size t | sort -k2
cp -ax t /root/cx; echo "cp -ax: $?"; (cd /root/cx && find . | sort)
tar -c --one-file-system -f - t | tar -t | sort
find t -xdev | sort
python3 -c '
import os
top = os.stat("/data/t").st_dev
for r, ds, fs in os.walk("/data/t"):
    for f in sorted(fs):
        p = os.path.join(r, f)
        print(p, "same dev as top" if os.lstat(p).st_dev == top else "other dev")
'
python3 -c 'import os.path; print([os.path.ismount(p) for p in ("/data/t/a", "/data/t/new", "/data/t/sub/b", "/usr/bin/ls", "/data/t")])'
mountpoint /data/t/a; mountpoint /usr/bin/ls
EOS
)
