#!/usr/bin/env bash
# execve from the overlay: #! scripts, the dynamic program whose ELF
# interpreter exists only in the image, argv[0], /proc/self/exe, pwd; an
# exec racing renames over its path.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
L=$(new_lower)
mkdir -p "$L/data/bin"
printf '#!/bin/sh\necho "script $0 args: $*"\necho "pwd: $(pwd)"\n' > "$L/data/bin/hello.sh"
printf '#!/usr/bin/ovlprobe exe\n' > "$L/data/bin/probe-script"
chmod 755 "$L/data/bin/hello.sh" "$L/data/bin/probe-script"
snapshot_lower "$L"
U=$T/u

# The interpreter really is image-only: the host cannot run the program.
if [[ ! -e /opt/ovl-ld/ld.so ]]; then
	if "$L/usr/bin/ovlprobe" hello > /dev/null 2>&1; then
		fail "ovlprobe runs on the host: its loader is not image-only"
	fi
fi

sh_ovl "$L" "$U" '
/data/bin/hello.sh one "two three"
cd /data && bin/hello.sh rel
ovlprobe hello
ovlprobe exe
cd /tmp && ../usr/bin/ovlprobe exe
/data/bin/probe-script
readlink /proc/self/exe
cd /data/bin && readlink /proc/self/cwd && pwd
printf "#!/bin/sh\necho upper-script \$1\nexit 4\n" > /tmp/up.sh
chmod +x /tmp/up.sh
/tmp/up.sh arg; echo "status $?"
cp /usr/bin/ovlprobe /tmp/probe2 && /tmp/probe2 hello
/etc/passwd; echo "status $?"
'
assert_status 0
assert_stdout "script /data/bin/hello.sh args: one two three
pwd: /
script bin/hello.sh args: rel
pwd: /data
hello from ovlprobe (dynamic, interpreter /opt/ovl-ld/ld.so)
argv0=ovlprobe
execfn=/usr/bin/ovlprobe
exe=/usr/bin/ovlprobe
cwd=/data
argv0=../usr/bin/ovlprobe
execfn=../usr/bin/ovlprobe
exe=/usr/bin/ovlprobe
cwd=/tmp
argv0=/usr/bin/ovlprobe
execfn=/data/bin/probe-script
exe=/usr/bin/ovlprobe
cwd=/tmp
/bin/busybox
/data/bin
/data/bin
upper-script arg
status 4
hello from ovlprobe (dynamic, interpreter /opt/ovl-ld/ld.so)
status 126"
assert_stderr "/bin/sh: /etc/passwd: Permission denied"

# The command itself can be the dynamic program or a script (exec by ovlrun).
run_ovl --lower="$L" -- /usr/bin/ovlprobe exe
assert_status 0
assert_stdout "argv0=/usr/bin/ovlprobe
execfn=/usr/bin/ovlprobe
exe=/usr/bin/ovlprobe
cwd=/"
run_ovl --lower="$L" -- /data/bin/hello.sh direct
assert_status 0
assert_stdout "script /data/bin/hello.sh args: direct
pwd: /"
# PATH lookup inside the overlay (PATH from the environment).
run_ovl --lower="$L" -- env -i PATH=/usr/bin:/bin /bin/sh -c 'ovlprobe hello'
assert_status 0
assert_stdout "hello from ovlprobe (dynamic, interpreter /opt/ovl-ld/ld.so)"

# An exec racing renames over its path runs the old file or the new one,
# never fails (the shadow's bind of the old file was once dropped before
# the kernel exec'd through it: EACCES 9-14 times in 400).
L2=$(new_lower)
mkdir -p "$L2/d"
cp "$(tool execloop -static)" "$L2/usr/bin/execloop"
run_ovl --lower="$L2" --upper="$T/u2" -- /bin/sh -c '
cp /bin/busybox /d/true
( i=0; while [ $i -lt 300 ]; do cp /d/true /d/t && mv /d/t /d/true; i=$((i+1)); done ) &
execloop /d/true 300
wait'
assert_status 0
assert_stdout ""
finish
