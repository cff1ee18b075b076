#!/usr/bin/env bash
# needs host root: its python part renames a lower dir (a redirect, which the unprivileged format has not: EXDEV, and the script goes on into it)
# The Debian image (tests/lib.sh debian_image) as the lower, as root:
#  * apt: a local file: repository (/debs/repo, downloaded and indexed on the
#    host when the image is built) replaces the image's sources; apt-get
#    update, apt-get install of jq and the two libraries it depends on (none
#    of them in minbase), running it, apt-get remove and autoremove, then an
#    apt-get install of the same .deb files named by path, and a purge;
#  * python3 making, renaming (files and directories, over each other, a
#    lower directory, which moves with a redirect) and deleting a tree, with
#    the errors Linux gives.
# The same output and exit status as on the kernel's overlayfs, the same
# names in the upper, and the lower unchanged.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init

use_debian_image
[[ -f $D/debs/repo/Packages ]] || fatal "the Debian image has no local repository in /debs/repo (tests/lib.sh)"
before=$(tree_dump "$D" | sha256sum)

apt_script='
set -e
export DEBIAN_FRONTEND=noninteractive
echo "deb [trusted=yes] file:/debs/repo ./" > /etc/apt/sources.list
apt-get update -qq
apt-cache policy jq | sed -n 1,3p
apt-get install -y -q --no-install-recommends jq 2>&1 | grep -E "^(The following|  |Selecting|Unpacking|Setting up|[0-9]+ upgraded)"
echo "{\"a\": [1, 2, 3]}" | jq -c ".a | map(. * 2)"
dpkg -s jq libjq1 libonig5 | grep -E "^(Package|Status|Version)"
dpkg -L libonig5 | grep "\.so" | sort
apt-get remove -y -q jq 2>&1 | grep -E "^(The following|  |Removing|[0-9]+ upgraded)"
test -e /usr/bin/jq || echo "jq: removed"
apt-mark showauto | grep -E "^(libjq1|libonig5)$"
apt-get autoremove -y -q 2>&1 | grep -E "^(The following|  |Removing|[0-9]+ upgraded)"
dpkg-query -W -f="\${Package} \${Status}\n" jq libjq1 libonig5 2>&1 | sort
ls /usr/lib/x86_64-linux-gnu | grep -cE "lib(jq|onig)" || true
apt-get install -y -qq /debs/repo/jq_*.deb /debs/repo/libjq1_*.deb /debs/repo/libonig5_*.deb > /dev/null
jq -n "[range(4)] | add"
apt-get purge -y -qq jq libjq1 libonig5 > /dev/null
dpkg-query -W -f="\${Package} \${Status}\n" jq libjq1 libonig5 2>&1 | sort
ls /usr/share/doc | grep -cE "^(jq|libjq1|libonig5)$" || true
'

py_script='
import errno, os, shutil, stat

def attempt(what, f, *args):
    try:
        f(*args)
        print(what, "ok")
    except OSError as e:
        print(what, errno.errorcode[e.errno])

def show(top):
    for d, dirs, files in os.walk(top):
        dirs.sort()
        for n in sorted(dirs + files):
            p = os.path.join(d, n)
            st = os.lstat(p)
            kind = "l" if stat.S_ISLNK(st.st_mode) else "d" if stat.S_ISDIR(st.st_mode) else "f"
            extra = os.readlink(p) if kind == "l" else st.st_size if kind == "f" else ""
            print(" ", os.path.relpath(p, top), kind, oct(st.st_mode & 0o7777), st.st_nlink, extra)

def inode_mismatches(top):
    bad = 0
    for d, dirs, files in os.walk(top):
        with os.scandir(d) as it:
            for e in it:
                bad += e.inode() != os.lstat(e.path).st_ino
    return bad

os.makedirs("/work/tree/a/b/c")
os.chdir("/work/tree")
for i in range(40):
    with open("a/b/f%02d" % i, "w") as f:
        f.write("data %d\n" % i * (i + 1))
os.symlink("b/f01", "a/link")
os.link("a/b/f02", "a/hard")
os.mkdir("a/empty")
os.chmod("a/b/f03", 0o600)
os.rename("a/b/f04", "a/b/c/moved")           # file into a subdirectory
os.replace("a/b/f05", "a/b/f06")              # over an existing file
os.rename("a/b/c", "a/c2")                    # a directory made here
os.rename("a/c2", "a/empty")                  # over an empty directory
attempt("rename dir over non-empty dir", os.rename, "a/empty", "a/b")
attempt("rename file over dir", os.rename, "a/b/f07", "a/empty")
attempt("rename dir over file", os.rename, "a/empty", "a/b/f07")
attempt("rename dir into itself", os.rename, "a", "a/b/x")
attempt("rmdir non-empty", os.rmdir, "a/b")
attempt("unlink dir", os.unlink, "a/b")
attempt("mkdir existing", os.mkdir, "a/b")
attempt("link to existing", os.link, "a/b/f08", "a/hard")
os.rename("a", "A")
print("tree:")
show("/work/tree")
print("inode mismatches:", inode_mismatches("/work/tree"))
# a directory of the lower moves (redirect_dir=on) and comes back
attempt("rename lower dir", os.rename, "/etc/apt/apt.conf.d", "/etc/apt/conf")
print("moved:", sorted(os.listdir("/etc/apt/conf"))[:3], os.path.exists("/etc/apt/apt.conf.d"))
os.rename("/etc/apt/conf", "/etc/apt/apt.conf.d")
print("back:", len(os.listdir("/etc/apt/apt.conf.d")))
# files of the lower: rename, replace, delete
os.rename("/etc/hostname", "/etc/hostname.old")
os.replace("/etc/issue", "/etc/issue.net")
os.unlink("/etc/debian_version")
print("etc:", [n for n in sorted(os.listdir("/etc")) if n.startswith(("host", "issue", "debian"))])
shutil.rmtree("/work/tree")
print("after rmtree:", os.listdir("/work"))
os.removedirs("/work") if os.path.isdir("/work") else None
print("work exists:", os.path.exists("/work"))
shutil.copytree("/usr/share/perl5/Debconf", "/tmp/dc", symlinks=True)
for d, dirs, files in os.walk("/tmp/dc", topdown=False):
    for n in files:
        os.rename(os.path.join(d, n), os.path.join(d, n + ".x"))
    os.rename(d, d + ".y")
n = sum(len(files) for _, _, files in os.walk("/tmp/dc.y"))
print("renamed copy:", n, "files")
shutil.rmtree("/tmp/dc.y")
print("tmp:", sorted(os.listdir("/tmp")))
'

# the names in an upper (contents differ: times in logs and caches)
upper_names() { upper_dump "$1" | awk '{print $1, $2}' | grep -v '^var/cache/\|^var/log/' | sort; }

for part in apt python; do
	if [[ $part == apt ]]; then cmd=(/bin/sh -c "$apt_script"); else cmd=(/usr/bin/python3 -c "$py_script"); fi
	run_debian "$KOVLRUN" "$T/kernel-$part" "${cmd[@]}"
	k_out=$OUT k_err=$ERR k_status=$STATUS
	run_debian "$OVLRUN" "$T/$part" "${cmd[@]}"
	assert_eq "$k_status" "$STATUS" "$part: exit status (kernel overlayfs vs ovlrun)"
	assert_eq "$k_out" "$OUT" "$part: stdout (kernel overlayfs vs ovlrun)"
	assert_eq "$k_err" "$ERR" "$part: stderr (kernel overlayfs vs ovlrun)"
	assert_eq "$(upper_names "$T/kernel-$part")" "$(upper_names "$T/$part")" "$part: entries of the upper"
	if [[ $part == apt ]]; then
		assert_status 0
		assert_stdout_contains "[2,4,6]"
		assert_stdout_contains "jq: removed"
		assert_stdout_contains "Removing libonig5"
	else
		assert_status 0
		assert_stdout_contains "rename lower dir ok"
		assert_stdout_contains "inode mismatches: 0"
	fi
done
assert_eq "$before" "$(tree_dump "$D" | sha256sum)" "the Debian lower after all runs"
finish
