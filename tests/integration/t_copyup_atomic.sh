#!/usr/bin/env bash
# Copy-up is atomic: SIGKILL of ovlrun at any moment during the copy-up of a
# big lower file never leaves a partial file under its final name in the
# upper, and the next ovlrun on that upper works (stale work dir included).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
# SIGKILL of the kernel reference's wrapper script leaves its namespace
# running: this property is ovlrun's own.
[[ $OVLRUN != "$KOVLRUN" ]] || skip "not applicable to the kernel reference (kovlrun)"
L=$(new_lower)
mkdir -p "$L/data"
size=$((96 * 1024 * 1024))
( set +o pipefail; yes 0123456789abcdef | head -c "$size" ) > "$L/data/big"
full_sum=$(sha256sum < "$L/data/big" | cut -d' ' -f1)
appended_sum=$( { cat "$L/data/big"; echo x; } | sha256sum | cut -d' ' -f1)
snapshot_lower "$L"

for delay in 0.02 0.05 0.1 0.2 0.3 0.5 0.8; do
	mkdir -p "$T/p-$delay"
	U=$T/p-$delay/u
	tag="copyup-$delay-$T"   # makes the sandboxed command findable by pgrep
	"$OVLRUN" --lower="$L" --upper="$U" -- /bin/sh -c "echo x >> /data/big # $tag" \
		< /dev/null > /dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	# The upper holds either nothing, the complete copy, or the complete copy
	# with the append — never a partial file.
	if [[ -e $U/data/big ]]; then
		got=$(sha256sum < "$U/data/big" | cut -d' ' -f1)
		if [[ $got != "$full_sum" && $got != "$appended_sum" ]]; then
			fail "delay $delay: partial copy-up under the final name ($(stat -c %s "$U/data/big") of $size bytes)"
		fi
	fi
	# The next run on the same upper works and sees a consistent file.
	run_ovl --lower="$L" --upper="$U" -- /bin/sh -c 'wc -c < /data/big'
	assert_status 0 || log "  (after SIGKILL at ${delay}s)"
	[[ $OUT == "$size" || $OUT == "$((size + 2))" ]] || fail "delay $delay: merged size $OUT"
	# Sandbox processes died with ovlrun.
	sleep 0.2
	if pgrep -f "$tag" > /dev/null 2>&1; then
		fail "delay $delay: sandbox processes survived the supervisor: $(pgrep -a -f "$tag")"
	fi
done
finish
