#!/usr/bin/env bash
# --stats: a strace -c like table of the trapped calls at exit; --trace (-v):
# each trapped call as strace prints it.  Neither shows without its option.
# Asserts on presence and relations, not on counts that depend on busybox.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
[[ $(basename "$OVLRUN") != kovlrun ]] || skip "ovlrun-only options"
L=$(new_lower)
snapshot_lower "$L"
work='cat /etc/hostname; ls /nonexistent'
host=$(cat "$L/etc/hostname")

# Without the options: the command's output only.
run_ovl --lower="$L" -- /bin/sh -c "$work"
assert_status 1; assert_stdout "$host"
assert_stderr "ls: /nonexistent: No such file or directory"

# --stats: the rows of the table as "name calls errors seconds median pct".
run_ovl --lower="$L" --stats -- /bin/sh -c "$work"
assert_status 1; assert_stdout "$host"
assert_stderr_contains "ls: /nonexistent: No such file or directory"
table=$(printf '%s\n' "$ERR" | sed -n '/^% time /,$p')
[[ $(printf '%s\n' "$table" | head -1) == "% time     seconds   median us     calls    errors syscall" ]] ||
	{ fail "--stats: no header line"; _show "$ERR"; }
rows=$(printf '%s\n' "$table" | awk '
	/^------/ { part++; next }
	part == 0 { next }
	{ err = NF == 6 ? $5 : 0; print $NF, $4, err, $2, $3, $1, (part == 2 ? "T" : "R") }')
printf '%s\n' "$rows" | awk '
	function bad(m) { print "FAIL: --stats: " m > "/dev/stderr"; f = 1 }
	$7 == "R" {
		n++; calls += $2; errs += $3; secs += $4; pct += $6
		if ($1 == "openat") open = $2
		if (n > 1 && $4 > prev + 1e-9) bad($1 " not sorted by total time")
		prev = $4
		if ($2 < 1 || $5 <= 0) bad($1 ": calls " $2 ", median " $5)
		# the median is one of the times, all >= 0: below their sum (the
		# histogram interpolates within 1/8 of the value)
		if ($5 > 1.13 * $4 * 1e6 + 0.01) bad($1 ": median " $5 " us > total " $4 " s")
	}
	$7 == "T" {
		tot = 1
		if ($1 != "total") bad("last line is not the total: " $0)
		if ($2 != calls) bad("total calls " $2 " != sum " calls)
		if ($3 != errs) bad("total errors " $3 " != sum " errs)
		if ($4 - secs > 1e-6 * (n + 1) || secs - $4 > 1e-6 * (n + 1)) bad("total seconds " $4 " != sum " secs)
		if ($6 != "100.00") bad("total % " $6)
	}
	END {
		if (!tot) bad("no total line")
		if (open < 1) bad("openat: " open + 0 " calls")
		if (errs < 1) bad("the failed lookup of /nonexistent: no error counted")
		if (pct < 99.9 || pct > 100.1) bad("percentages sum to " pct)
		exit f
	}' || { fail "--stats table"; _show "$ERR"; }
[[ $ERR != *"[pid "* ]] || fail "--stats alone traces calls"

# --trace and -v: strace's lines.
tline='^\[pid [0-9]+\] [a-z0-9_]+\(.*\) = ([0-9]+|-1 E[A-Z0-9]+ \([^()]+\)|\? <continued by the kernel>)$'
check_trace() { # WHAT: every "[pid" opens a whole line of strace's form
	local odd
	odd=$(printf '%s\n' "$ERR" | grep -F '[pid ' | grep -Ev "$tline" || true)
	[[ -z $odd ]] || { fail "$1: malformed or mixed lines"; _show "$odd"; }
}
want() { # WHAT ERE
	# (a here-string: grep -q quitting early must not fail a pipe under pipefail)
	grep -Eq "$2" <<< "$ERR" || { fail "$1: no line matching $2"; _show "$ERR"; }
}
for opt in --trace -v; do
	run_ovl --lower="$L" "$opt" -- /bin/sh -c "$work"
	assert_status 1; assert_stdout "$host"
	want "$opt" '^\[pid [0-9]+\] openat\(AT_FDCWD, "/etc/hostname", O_RDONLY[A-Z_|]*\) = [0-9]+$'
	want "$opt" '^\[pid [0-9]+\] [a-z0-9]+\((AT_FDCWD, )?"/nonexistent".*\) = -1 ENOENT \(No such file or directory\)$'
	want "$opt" '^\[pid [0-9]+\] execve\("/bin/sh", 0x[0-9a-f]+, 0x[0-9a-f]+\) = \? <continued by the kernel>$'
	check_trace "$opt"
	[[ $ERR != *"% time"* ]] || fail "$opt alone prints the table"
done

# Flags, modes, two paths, an error other than ENOENT; with --stats as well.
run_ovl --lower="$L" --tmp-upper --trace --stats -- /bin/sh -c \
	'echo x > /tmp/f; mkdir -m 750 /tmp/d; mkdir /tmp/d; mv /tmp/f /tmp/g'
assert_status 0
want "create" '^\[pid [0-9]+\] openat\(AT_FDCWD, "/tmp/f", O_WRONLY\|O_CREAT\|O_TRUNC[A-Z_|]*, 0666\) = [0-9]+$'
want "mode" '"/tmp/d", 0750\) = 0$'
want "exists" '^\[pid [0-9]+\] mkdir(at)?\((AT_FDCWD, )?"/tmp/d", 0777\) = -1 EEXIST \(File exists\)$'
want "rename" '^\[pid [0-9]+\] rename(at2?)?\((AT_FDCWD, )?"/tmp/f", (AT_FDCWD, )?"/tmp/g"(, 0)?\) = 0$'
want "stats too" '^ *[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+ mkdir(at)?$'
check_trace "create"

# Concurrent callers: still one whole line per call.
run_ovl --lower="$L" --trace -- /bin/sh -c \
	'for i in 1 2 3 4; do ls -la /etc /bin > /dev/null & done; wait'
assert_status 0
want "concurrent" '^\[pid [0-9]+\] getdents64\([0-9]+, 0x[0-9a-f]+, [0-9]+\) = [0-9]+$'
check_trace "concurrent"
finish
