#!/usr/bin/env bash
# CPython's own regression tests for files and directories, from Debian's
# libpython3.11-testsuite in the Debian image: the same modules pass inside
# ovlrun as on the kernel's overlayfs, and the lower is unchanged.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
use_debian_image
before=$(tree_dump "$D" | sha256sum)
modules="test_os test_shutil test_pathlib test_glob test_tempfile test_posix test_stat
	test_fcntl test_fileio test_tarfile test_zipfile test_filecmp test_io"

# "name: result" for each module, from regrtest's own summary.
results() { # RUNNER UPPER
	timeout 1200 "$1" --lower="$D" --upper="$2" -- /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root \
		/usr/bin/python3 -m test $modules > "$2.log" 2>&1 || true
	local m
	for m in $modules; do
		if grep -qE "^(test $m failed|$m failed)|-- $m failed" "$2.log"; then
			echo "$m: failed"
		elif grep -qE "\\b$m\\b.*(skipped|resource denied)" "$2.log"; then
			echo "$m: skipped"
		else
			echo "$m: ok"
		fi
	done
	grep -E '^(All [0-9]+ tests OK|[0-9]+ tests? (OK|failed))' "$2.log" || echo "no summary"
}
kernel=$(results "$KOVLRUN" "$T/kernel-upper")
ours=$(results "$OVLRUN" "$T/upper")
printf 'kernel overlayfs:\n%s\novlrun:\n%s\n' "$kernel" "$ours" >&2
assert_eq "$kernel" "$ours" "CPython test results (kernel overlayfs vs ovlrun)" || {
	# what failed, for a run that cannot be repeated (CI)
	for side in kernel-upper upper; do
		grep -nE '^(FAIL|ERROR):|^(AssertionError|[A-Za-z]+Error)|^test_[a-z_]+ .* (FAIL|ERROR)$' \
			"$T/$side.log" | head -n 40 | sed "s|^|$side.log: |" >&2 || true
	done
}
# (run by a user, test_posix's chown tests want ids the user's namespace
# does not map: the kernel's userxattr mount refuses them, ovlrun keeps them
# in owner records but for a symlink's, which can carry none: the kernel's
# results are the bar there)
[[ $OVLRUN_ROOTLESS == 1 || $ours == *"All 13 tests OK"* ]] ||
	fail "not all 13 CPython test modules passed in ovlrun (log: $T/upper.log)"
assert_eq "$before" "$(tree_dump "$D" | sha256sum)" "the Debian lower after both runs"
finish
