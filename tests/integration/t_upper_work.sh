#!/usr/bin/env bash
# --upper is created if missing; the default work dir is a hidden sibling
# that is removed at exit; an explicit --work is used and kept.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
L=$(new_lower)
snapshot_lower "$L"
mkdir "$T/p"

sh_ovl "$L" "$T/p/upper" 'echo x > /tmp/x; cat /tmp/x'
assert_status 0
assert_stdout "x"
assert_type "$T/p/upper" "directory"
assert_file_content "$T/p/upper/tmp/x" "x"
assert_eq "upper" "$(ls -A "$T/p")" "entries next to the upper after exit (work dir removed)"

mkdir "$T/w"
run_ovl --lower="$L" --upper="$T/p/upper" --work="$T/w" -- /bin/sh -c 'cat /tmp/x; rm /tmp/x'
assert_status 0
assert_stdout "x"
assert_type "$T/w" "directory"
assert_missing "$T/p/upper/tmp/x"
assert_eq "upper" "$(ls -A "$T/p")" "entries next to the upper with --work"
finish
