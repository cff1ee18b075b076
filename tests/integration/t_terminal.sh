#!/usr/bin/env bash
# With a terminal on stdin, the sandbox (a session of its own) gets a pty of
# its own, relayed to the host's: `tty` names it, the window size follows
# the host's, Ctrl-C and Ctrl-Z reach the foreground job inside, and job
# control works in an interactive shell.  Driven through tmux; every wait is
# for a condition on the screen, bounded.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
command -v tmux > /dev/null || fatal "tmux is not installed (scripts/install-deps.sh installs it)"
L=$(new_lower)
snapshot_lower "$L"

export TMUX_TMPDIR=$T   # a tmux server of this test's own
sess=ovlrun-t
tm() { tmux -L ovlrun-test "$@"; }
trap 'tm kill-server 2> /dev/null || true; _ovl_cleanup' EXIT
screen() { tm capture-pane -p -t "$sess" -S -200; }
# on_screen GREP-ARGS: a line of the screen matches (a here-string: grep -q
# quitting early must not fail a pipe under pipefail)
on_screen() { grep -q "$@" <<< "$(screen)"; }
# wait_screen ERE: until the pane shows a line matching ERE (30 s at most)
wait_screen() {
	local i
	for i in $(seq 300); do
		on_screen -E "$1" && return 0
		sleep 0.1
	done
	fail "the screen never showed /$1/:"
	screen >&2
	return 1
}
type_line() { tm send-keys -t "$sess" -l "$1"; tm send-keys -t "$sess" Enter; }

tm new-session -d -s "$sess" -x 100 -y 30 \
	"$OVLRUN --lower=$L --upper=$T/u -- /bin/sh -i; echo ovlrun-exit=\$?; sleep 600"
wait_screen '^/ # ?$'
type_line 'tty; stty size; echo pgrp-check $(cut -d" " -f5,8 /proc/self/stat)'
wait_screen '^pgrp-check '
on_screen -x '/dev/pts/0' || fail "tty inside: $(screen)"
on_screen -x '30 100' || fail "window size inside: $(screen)"
# the shell's job is the terminal's foreground process group
line=$(screen | grep '^pgrp-check ' | tail -n 1)
read -r _ pgrp tpgid <<< "$line"
assert_eq "$pgrp" "$tpgid" "foreground group of the sandbox's terminal"

# A resize of the host's terminal reaches the sandbox's.
tm resize-window -t "$sess" -x 120 -y 40
type_line 'echo size=$(stty size)'
wait_screen '^size=40 120$'

# Ctrl-C interrupts the foreground job; the shell survives.
type_line 'sleep 1001'
wait_screen '^/ # sleep 1001$'
# the job runs once its process exists (seen from the host)
for i in $(seq 300); do pgrep -f '^sleep 1001$' > /dev/null && break; sleep 0.1; done
tm send-keys -t "$sess" C-c
type_line 'echo after-intr=$?'
wait_screen '^after-intr=130$'

# Ctrl-Z stops it; the shell's job control lists, resumes and kills it.
type_line 'sleep 1001'
for i in $(seq 300); do pgrep -f '^sleep 1001$' > /dev/null && break; sleep 0.1; done
tm send-keys -t "$sess" C-z
wait_screen 'Stopped'
type_line 'jobs; kill -9 %1; wait %1; jobs; echo jobs-done'
wait_screen '^jobs-done$'
pgrep -f '^sleep 1001$' > /dev/null && fail "the stopped job survived kill -9 %1"

# The command's exit status comes back; the host terminal works again.
# (ash reports the killed job at its next prompt: the first exit may only
# say "You have stopped jobs")
type_line 'exit 3'
wait_screen 'stopped jobs|^ovlrun-exit='
on_screen '^ovlrun-exit=' || type_line 'exit 3'
wait_screen '^ovlrun-exit=3$'
# Output only (stdin is not a terminal, stdout is): the command gets the
# sandbox's pty there too and never holds the host's terminal.  From a
# plain chroot, root resizes the host's terminal through its stdout.
resize='stty rows 11 cols 22 0<&1; readlink /proc/self/fd/1'
for how in chroot ovlrun; do
	if [[ $how == chroot ]]; then cmd="chroot $L /bin/sh -c '$resize'"
	else cmd="$OVLRUN --lower=$L -- /bin/sh -c '$resize'"; fi
	tm new-session -d -s "$how" -x 80 -y 24 "$cmd < /dev/null; echo $how-done; sleep 600"
	sess=$how wait_screen "^$how-done\$"
	pane=$(tm display -p -t "$how" '#{pane_tty}')
	got=$(stty -F "$pane" size)
	if [[ $how == chroot ]]; then
		assert_eq "11 22" "$got" "host terminal size after a plain chroot's stty (probe)"
	else
		assert_eq "24 80" "$got" "host terminal size after the sandbox's stty"
		sess=$how on_screen -x '/dev/pts/0' || fail "the command's stdout is not the sandbox's pty: $(sess=$how screen)"
	fi
done
assert_lower_unchanged "$L"
finish
