#!/usr/bin/env bash
# A real distribution as the lower: a Debian bookworm minbase made with
# debootstrap (cached in $OVLRUN_CACHE/debian), with packages downloaded on
# the host.  Package install and removal, users, a plain user hitting
# permission errors, perl, tar, sed -i, cp -a of a large tree, a make -j2
# build with gcc, git init/add/commit/status/stash, xz: the same
# output as on the kernel's overlayfs, and the lower unchanged.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init

use_debian_image
# The image is large: its own snapshot, not a copy per test.
before=$(tree_dump "$D" | sha256sum)

script='
set -e
dpkg -i /debs/hello_*.deb > /dev/null
hello
dpkg -s hello | grep -E "^(Status|Version):"
useradd -m -s /bin/sh alice
id alice
ls -ln /home/alice | tail -n +2 | cut -c1-10,16-27 | sort
su alice -c "id -un; touch /etc/nope 2>&1 || true; echo mine > ~/f; cat ~/f"
setpriv --reuid=1000 --regid=1000 --clear-groups sh -c "cat /etc/shadow 2>&1 | head -1" || true
perl -e "opendir(D, q(/etc)) or die; my @e = grep { /^pass/ } readdir(D); print join(q(,), sort @e), qq(\n)"
tar czf /tmp/etc.tgz -C / etc/apt
tar tzf /tmp/etc.tgz | sort | head -5
sed -i s/^root:/ROOT:/ /etc/passwd
head -n1 /etc/passwd
cp -a /usr/share/perl5 /tmp/perl5
diff -r /usr/share/perl5 /tmp/perl5 && echo cp-identical
find /tmp/perl5 | wc -l
apt-get remove -y -qq hello > /dev/null
dpkg -s hello 2>&1 | grep -E "^(Status|dpkg-query)" || true
rm -rf /tmp/perl5 /usr/share/doc
ls /usr/share | grep -c doc || true
mkdir -p /src/proj && cd /src/proj
for i in 1 2 3 4 5 6; do printf "int f%d(void){return %d;}\n" $i $i > f$i.c; done
printf "#include <stdio.h>\nint f1(void);int f6(void);\nint main(void){printf(\"sum %%d\\\\n\", f1()+f6());return 0;}\n" > main.c
printf "OBJS=main.o f1.o f2.o f3.o f4.o f5.o f6.o\nprog: \$(OBJS)\n\tgcc -o \$@ \$(OBJS)\n%%.o: %%.c\n\tgcc -O2 -c \$< -o \$@\nclean:\n\trm -f prog \$(OBJS)\n" > Makefile
make -j2 -s && ./prog
make -s clean && ls | tr "\n" " " && echo
git init -q . && git config user.email t@e && git config user.name t
git add . && git commit -qm init && git status --short | wc -l && git log --oneline | wc -l
echo change >> f1.c && git status --short
git stash -q && git status --short | wc -l
xz -k main.c && xz -dc main.c.xz | cmp - main.c && echo xz-ok
'
run_debian "$KOVLRUN" "$T/kernel-upper" /bin/sh -c "$script"
k_out=$OUT k_err=$ERR k_status=$STATUS
run_debian "$OVLRUN" "$T/upper" /bin/sh -c "$script"
assert_status "$k_status"
assert_eq "$k_out" "$OUT" "stdout (kernel overlayfs vs ovlrun)"
assert_eq "$k_err" "$ERR" "stderr (kernel overlayfs vs ovlrun)"
assert_stdout_contains "Hello, world!"
assert_stdout_contains "cp-identical"
assert_stdout_contains "sum 7"
assert_stdout_contains "xz-ok"
# the names in both uppers (contents differ: times in logs; git object
# names hash commit times)
upper_names() { upper_dump "$1" | awk '{print $1, $2}' | grep -v '^var/cache/\|^var/log/\|/\.git/objects/' | sort; }
assert_eq "$(upper_names "$T/kernel-upper")" "$(upper_names "$T/upper")" "entries of the upper"
assert_eq "$before" "$(tree_dump "$D" | sha256sum)" "the Debian lower after both runs"
finish
