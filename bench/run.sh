#!/usr/bin/env bash
# bench/run.sh [RUNS] — file-system workloads on the busybox image, run
# natively (chroot into a copy), on the kernel's overlayfs and in ovlrun,
# side by side in one run.  Prints the median wall time of each and the
# ratios ovlrun/native and ovlrun/kernel.  Machines are noisy: compare
# ratios from one run, never absolute times across runs.
#
#   OVLRUN=build/ovlrun bench/run.sh 5
set -euo pipefail
runs=${1:-5}
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ovlrun=${OVLRUN:-$src/build/ovlrun}
kovlrun=$src/tests/tools/kovlrun
[[ $(id -u) -eq 0 ]] || { echo "bench: needs root" >&2; exit 1; }
[[ -x $ovlrun ]] || { echo "bench: no ovlrun at $ovlrun" >&2; exit 1; }

T=$(mktemp -d /tmp/ovlrun-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
bash "$src/scripts/make-image.sh" "$T/image" >/dev/null
# a data tree in the image: 2000 small files in 40 dirs
for d in $(seq 1 40); do
	mkdir -p "$T/image/data/d$d"
	for f in $(seq 1 50); do echo "file $d $f" > "$T/image/data/d$d/f$f"; done
done

declare -A workloads=(
	[find_stat]='for i in 1 2 3 4 5; do find /data -type f | wc -l; ls -lR /data | wc -l; done'
	[exec_loop]='i=0; while [ $i -lt 300 ]; do /bin/true; i=$((i+1)); done'
	[copy_tree]='cp -a /data /tmp/copy && tar cf /tmp/d.tar -C /tmp copy'
	[write_lower]='for f in /data/d1/*; do echo x >> "$f"; done; rm -rf /data/d2 /data/d3'
	[untar_rm]='tar xf /tmp/seed.tar -C /tmp && rm -rf /tmp/data'
)
tar cf "$T/image/tmp/seed.tar" -C "$T/image" data

elapsed() { # MODE SCRIPT -> seconds
	local mode=$1 script=$2 t0 t1
	rm -rf "$T/native" "$T/upper" "$T/.upper.ovlwork" "$T/.upper.ovlrun-work"
	if [[ $mode == native ]]; then cp -a "$T/image" "$T/native"; fi
	t0=$(date +%s%N)
	case $mode in
	native) chroot "$T/native" /bin/sh -c "$script" >/dev/null ;;
	kernel) "$kovlrun" --lower="$T/image" --upper="$T/upper" -- /bin/sh -c "$script" >/dev/null ;;
	ovlrun) "$ovlrun" --lower="$T/image" --upper="$T/upper" -- /bin/sh -c "$script" >/dev/null ;;
	esac
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000 ))
}

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

printf '%-12s %10s %10s %10s %9s %9s\n' workload native_ms kernel_ms ovlrun_ms vs_native vs_kernel
for w in find_stat exec_loop copy_tree write_lower untar_rm; do
	declare -A med=()
	for mode in native kernel ovlrun; do
		med[$mode]=$(for _ in $(seq "$runs"); do elapsed "$mode" "${workloads[$w]}"; done | median)
	done
	awk -v w="$w" -v n="${med[native]}" -v k="${med[kernel]}" -v o="${med[ovlrun]}" 'BEGIN {
		printf "%-12s %10.1f %10.1f %10.1f %8.2fx %8.2fx\n", w, n/1000, k/1000, o/1000, o/n, o/k }'
done
