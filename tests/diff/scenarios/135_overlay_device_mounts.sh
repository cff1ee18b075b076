# Which mount a file is on, by its st_dev against the mount table: df,
# findmnt -T, stat -c %m, mountpoint -d, stat -f: the overlay's root,
# for files as for dirs.
image=debian
setup_top_lower() {
	mkdir -p data/d; echo a > data/d/a
}
script=$(cat <<'EOS'
cd /data
echo n > d/n
for p in / /data d d/a d/n /usr/bin/ls /etc/passwd; do
	echo "$p: df=$(df --output=target "$p" 2>&1 | tail -n1) type=$(df --output=fstype "$p" 2>&1 | tail -n1) findmnt=$(findmnt -n -o TARGET -T "$p" 2>&1) m=$(stat -c %m "$p" 2>&1) f=$(stat -f -c %T "$p")"
done
same() { if [ "$1" = "$2" ]; then echo "$3: same"; else echo "$3: different"; fi; }
same "$(mountpoint -d / 2>&1)" "$(stat -c '%Hd:%Ld' /data/d/a)" "mountpoint -d / vs dev of a lower file"
same "$(mountpoint -d / 2>&1)" "$(stat -c '%Hd:%Ld' /data/d)" "mountpoint -d / vs dev of a dir"
python3 -c '
import os
st = os.stat("/data/d/a")
mi = [l.split() for l in open("/proc/self/mountinfo")]
devs = {l[2]: l[4] for l in mi}
d = "%d:%d" % (os.major(st.st_dev), os.minor(st.st_dev))
print("file dev in mountinfo:", d in devs, devs.get(d))
st = os.stat("/data/d")
d = "%d:%d" % (os.major(st.st_dev), os.minor(st.st_dev))
print("dir dev in mountinfo:", d in devs, devs.get(d))
'
EOS
)
