#!/usr/bin/env bash
# busybox sh, ls, cat, echo through ovlrun; reading creates nothing in the upper.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
L=$(new_lower)
snapshot_lower "$L"

sh_ovl "$L" "$T/u" 'echo hello; ls /; cat /etc/hostname; pwd; cat /etc/passwd | wc -l; ls /home'
assert_status 0
assert_stdout "hello
$IMAGE_ROOT_LISTING
ovlrun-image
/
3
user"
assert_stderr ""
# Reading must not write anything to the upper.
assert_eq "" "$(ls -A "$T/u")" "upper contents after a read-only workload"

# Arguments are passed verbatim.
run_ovl --lower="$L" --upper="$T/u" -- /bin/echo "a b" '$HOME' "*" ""
assert_status 0
assert_stdout 'a b $HOME * '
# An interactive-style here-doc-free sh reading a script from -c with several lines
sh_ovl "$L" "$T/u" 'for i in 1 2 3; do echo "n=$i"; done
x=$(cat /etc/group | head -n1); echo "$x"'
assert_status 0
assert_stdout "n=1
n=2
n=3
root:x:0:"
finish
