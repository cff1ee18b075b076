#!/usr/bin/env bash
# bench/run.sh — ovlrun against its peers, one command from a fresh clone:
#
#   sudo bash bench/run.sh            # full run (3 rounds, ~20k-file tree, ~25 min)
#   sudo bash bench/run.sh --quick    # smoke run: 2 rounds, small trees, < 3 min
#   options: --rounds=R  --out=FILE (default bench/results.md, with --quick
#            bench/results-quick.md)  --envs=LIST, --rows=LIST (comma-separated
#            subsets: env names below; ops, walk, workload names in W_ROWS)
#   env: OVLRUN=path (skip the build), BENCH_BUILD (default /tmp/build-bench),
#        BENCH_CACHE (default .cache/bench: the trees, rebuilt when stale)
#
# It installs the peers from Debian (fuse-overlayfs, proot, runsc) with
# apt-get when missing, builds ovlrun RelWithDebInfo and the two helpers
# (bench/ops.c, static: per-op loops and the timer; bench/floor.c: the
# minimal unotify supervisor), makes the lower (a copy of the Debian test
# image, tests/lib.sh debian_image, plus /data and /bench) and a copy of it
# for the environments that write in place, and runs every workload in
# every environment:
#
#   native  chroot into the copy            kernel  mount -t overlay + chroot
#   kvol    the same with -o volatile       fuse    fuse-overlayfs + chroot
#   proot   proot -0 -r the copy            runsc   runsc --platform=ptrace do
#   ovlrun  ovlrun --lower --upper          floor   bench/floor (per-op rows)
#   rootless  ovlrun run by a user (the tests' ovlrun-test: subordinate ids,
#             its own copy of the lower, owners mapped: tests/lib.sh
#             map_for_user)
#
# Each measurement is one invocation with a fresh upper (the copy is reset
# untimed before a writing workload); the time is taken inside the
# environment by `ops time`, so start-up is not counted.  Rounds interleave
# the environments workload by workload (their order rotates each round), so
# that noise from a shared machine hits all alike; cells are medians.
# Compare ratios from one run, never absolute times across runs.
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
quick=0 rounds="" out="" only_envs="" only_rows=""
for a in "$@"; do
	case $a in
	--quick) quick=1 ;;
	--rounds=*) rounds=${a#*=} ;;
	--out=*) out=${a#*=} ;;
	--envs=*) only_envs=${a#*=} ;;
	--rows=*) only_rows=${a#*=} ;;
	-h|--help) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench: unknown option '$a' (try --help)" >&2; exit 2 ;;
	esac
done
[[ $(id -u) -eq 0 ]] || { echo "bench: needs root (mounts, chroot)" >&2; exit 1; }
if ((quick)); then
	rounds=${rounds:-2} out=${out:-$src/bench/results-quick.md}
	TREE="/usr/include /data/proj" TOUCH=/data/touch/d0 MAKE_N=20 OPS_N=2000
	PYDIRS=/usr/lib/python3.11/json TARBALL=/bench/small.tar WALKERS="1 2" TMO=120
else
	rounds=${rounds:-3} out=${out:-$src/bench/results.md}
	TREE="/usr /data" TOUCH=/data/touch MAKE_N=200 OPS_N=20000
	PYDIRS="-l /usr/lib/python3.11 /usr/lib/python3.11/email /usr/lib/python3.11/json /usr/lib/python3.11/asyncio /usr/lib/python3.11/xml"
	TARBALL=/bench/big.tar WALKERS="1 2 4 8" TMO=600
fi
APT_PKG=git    # removed by the apt-get workload (a leaf of the Debian image)
say() { printf 'bench: %s\n' "$*" >&2; }

# ------------------------------------------------------------ dependencies
missing=()
for p in fuse-overlayfs:fuse-overlayfs proot:proot runsc:runsc debootstrap:debootstrap \
	gcc:gcc cmake:cmake make:make; do
	command -v "${p%%:*}" > /dev/null || missing+=("${p#*:}")
done
[[ -e /usr/lib/x86_64-linux-gnu/libc.a ]] || missing+=(libc6-dev)
if ((${#missing[@]})); then
	say "installing ${missing[*]} from Debian"
	apt-get update -q > /dev/null
	# One by one: a package Debian lacks only drops its column.
	for p in "${missing[@]}"; do
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$p" > /dev/null ||
			say "cannot install $p"
	done
fi

# ------------------------------------------------------------------ build
build=${BENCH_BUILD:-/tmp/build-bench}
if [[ -z ${OVLRUN:-} ]]; then
	[[ -f $build/CMakeCache.txt ]] ||
		cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
	cmake --build "$build" -j2 --target ovlrun > /dev/null
	OVLRUN=$build/ovlrun
fi
[[ -x $OVLRUN ]] || { say "no ovlrun at $OVLRUN"; exit 1; }
mkdir -p "$build/bench"
gcc -std=gnu17 -O2 -Wall -Wextra -Werror -static -o "$build/bench/ops" "$src/bench/ops.c"
gcc -std=gnu17 -O2 -Wall -Wextra -Werror -pthread -o "$build/bench/floor" "$src/bench/floor.c"
FLOOR=$build/bench/floor

# ------------------------------------------------------------------ trees
cache=${BENCH_CACHE:-$src/.cache/bench}
LOWER=$cache/lower NATIVE=$cache/native
D=$(bash -c 'source "$1/tests/lib.sh"; debian_image' _ "$src") ||
	{ say "cannot get the Debian image (tests/lib.sh debian_image)"; exit 1; }
make_lower() {
	say "making the lower in $LOWER"
	rm -rf "$LOWER" "$LOWER.new" && mkdir -p "$cache"
	cp -a "$D" "$LOWER.new" && rm -rf "$LOWER.new/debs"
	local l=$LOWER.new d f
	mkdir -p "$l/bench" "$l/data/ops/dir100" "$l/data/ops/w" "$l/data/proj"
	cp "$build/bench/ops" "$l/bench/ops"
	echo data > "$l/data/ops/file" && ln -s file "$l/data/ops/link"
	for f in $(seq 100); do : > "$l/data/ops/dir100/f$f"; done
	# 5000 lower files of 1 KiB to touch, in 50 dirs
	for d in $(seq 0 49); do
		mkdir -p "$l/data/touch/d$d"
		for f in $(seq 100); do head -c 1024 /dev/zero > "$l/data/touch/d$d/f$f"; done
	done
	# a 200-file C project: `make N=K` builds the first K files
	for f in $(seq -w 1 200); do
		printf '#include <stdio.h>\n#include <string.h>\nint f%s(const char *s)\n{\n\tchar b[64];\n\tsnprintf(b, sizeof b, "%%s-%s", s);\n\treturn (int)strlen(b);\n}\n' \
			"$f" "$f" > "$l/data/proj/f$f.c"
	done
	printf 'N ?= 200\nSRCS := $(wordlist 1,$(N),$(sort $(wildcard f*.c)))\nOBJS := $(SRCS:.c=.o)\n%s\n%s\n%s\n' \
		'lib.a: $(OBJS)' '	ar rcs $@ $(OBJS)' \
		'clean:; rm -f *.o lib.a' > "$l/data/proj/Makefile"
	(cd "$l" && tar cf bench/big.tar --exclude=__pycache__ usr/lib/python3.11 &&
		tar cf bench/small.tar usr/include/linux)
	# the .deb that puts the removed package back in the copy
	mkdir -p "$l/bench/debs"
	(cd "$l/bench/debs" && apt-get download -q "$APT_PKG" > /dev/null 2>&1) ||
		say "apt-get download $APT_PKG failed: no apt-get remove for native/proot"
	mv "$LOWER.new" "$LOWER" && echo "$stamp" > "$cache/stamp"
}
# the lower is remade when ops or the recipe above changes
stamp="$( (cat "$build/bench/ops"; declare -f make_lower) | sha256sum | cut -c1-16)"
[[ -d $LOWER && $(cat "$cache/stamp" 2>/dev/null) == "$stamp" ]] || make_lower
say "copying the lower to $NATIVE (native, proot, floor)"
rm -rf "$NATIVE" && cp -a "$LOWER" "$NATIVE"
# rootless: the user's copy, as it keeps an image (made with the lower)
RUSER=ovlrun-test RLOWER=$cache/lower-rootless
make_rootless_lower() {
	bash -c 'source "$1/tests/lib.sh"; test_user "$2" > /dev/null' _ "$src" "$RUSER" &&
		say "making the user's lower in $RLOWER" && rm -rf "$RLOWER" "$RLOWER.new" &&
		cp -a "$LOWER" "$RLOWER.new" &&
		bash -c 'source "$1/tests/lib.sh"; map_for_user "$2" "$3"' _ "$src" "$RLOWER.new" "$RUSER" &&
		mv "$RLOWER.new" "$RLOWER" && cp "$cache/stamp" "$cache/stamp-rootless"
}

# ------------------------------------------------------------ environments
ENVS=(native kernel kvol)
command -v fuse-overlayfs > /dev/null && ENVS+=(fuse)
command -v proot > /dev/null && ENVS+=(proot)
command -v runsc > /dev/null && ENVS+=(runsc)
ENVS+=(ovlrun rootless)
if [[ -n $only_envs ]]; then
	IFS=, read -r -a ENVS <<< "$only_envs"
fi
if [[ " ${ENVS[*]} " == *" rootless "* ]] &&
	! { cmp -s "$cache/stamp" "$cache/stamp-rootless" && [[ -d $RLOWER ]] || make_rootless_lower; }; then
	say "no user's lower: no rootless column"
	mapfile -t ENVS < <(printf '%s\n' "${ENVS[@]}" | grep -vx rootless)
fi
T=$(mktemp -d /tmp/ovlrun-bench.XXXXXX)
RT=$(mktemp -d /tmp/ovlrun-bench-user.XXXXXX)   # the user's: its uppers
mkdir "$T/m" "$T/res"
cleanup() { umount -l "$T/m" 2> /dev/null || :; rm -rf "$T" "$RT"; }
trap cleanup EXIT
KOPTS=redirect_dir=on,index=off,metacopy=off,xino=off    # as kovlrun mounts it

# ns_chroot KIND SPEC MNT CMD...: CMD chrooted into the copy (native), a kernel
# overlay (SPEC = mount options) or fuse-overlayfs, with /proc and /dev, in
# mount and pid namespaces of its own (they take fuse-overlayfs with them).
ns_chroot() {
	unshare -m -p -f --kill-child --propagation private -- /bin/bash -c '
		set -e; kind=$1 spec=$2 m=$3; shift 3
		case $kind in
		native) m=$spec ;;
		kernel) mount -t overlay overlay -o "$spec" "$m" ;;
		fuse) fuse-overlayfs -o "$spec" "$m" ;;
		esac
		mount -t proc proc "$m/proc" && mount --rbind /dev "$m/dev"
		exec chroot "$m" "$@"' ns_chroot "$@"
}

# in_env ENV CMD...: CMD in ENV with a fresh upper; prints CMD's stdout.
in_env() {
	local e=$1 u=$T/u w=$T/w
	shift
	rm -rf "$u" "$w" "$T/.u.ovlrun-work" && mkdir "$u" "$w"
	local c=(/usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C "$@")
	local lu="lowerdir=$LOWER,upperdir=$u,workdir=$w"
	case $e in
	native) ns_chroot native "$NATIVE" "$T/m" "${c[@]}" ;;
	kernel) ns_chroot kernel "$lu,$KOPTS" "$T/m" "${c[@]}" ;;
	kvol) ns_chroot kernel "$lu,$KOPTS,volatile" "$T/m" "${c[@]}" ;;
	fuse) ns_chroot fuse "$lu" "$T/m" "${c[@]}" ;;
	proot) proot -0 -r "$NATIVE" -b /proc -b /dev -w / "${c[@]}" ;;
	# runsc: gVisor's own overlay (upper in memory); its stdout to a file
	# is written at stale offsets, hence the pipe.
	runsc) runsc --network=none --platform=ptrace do -root "$LOWER" -cwd / -quiet "${c[@]}" | cat ;;
	ovlrun) "$OVLRUN" --lower="$LOWER" --upper="$u" -- "${c[@]}" ;;
	rootless) rm -rf "$RT/u" "$RT/.u.ovlrun-work" && chown "$RUSER:" "$RT" &&
		setpriv --reuid="$RUSER" --regid="$RUSER" --clear-groups \
			"$OVLRUN" --lower="$RLOWER" --upper="$RT/u" -- "${c[@]}" ;;
	floor) "$FLOOR" "$NATIVE" "${c[@]}" ;;
	esac
}

# record ROW ENV VALUE
record() { echo "$3" >> "$T/res/$1.$2"; }

# timed ROW ENV SCRIPT [RESET]: run SCRIPT under `ops time` in ENV; RESET
# runs first, untimed, where the environment writes in place (the copy).
timed() {
	local row=$1 e=$2 script=$3 reset=${4:-:} v
	case $e in native|proot) ;; *) reset=: ;; esac
	v=$(timeout -k 10 "$TMO" bash -c 'in_env "$@"' _ "$e" /bin/sh -c \
		"{ $reset; } > /dev/null 2>&1; exec /bench/ops time /bin/sh -c \"\$1\"" sh "$script" \
		2>> "$T/log.$e" | tail -n 1) || :
	[[ $v =~ ^[0-9]+$ ]] || { echo "$row: ${v:-no result}" >> "$T/log.$e"; v=fail; }
	record "$row" "$e" "$v"
}
export -f in_env ns_chroot
export T RT LOWER NATIVE OVLRUN FLOOR KOPTS RUSER RLOWER

# rotate N ITEMS...: the items starting at index N mod count
rotate() { local n=$1; shift; local a=("$@") i; for ((i = 0; i < $#; i++)); do echo "${a[(i + n) % $#]}"; done; }

W_ROWS=(find_ls du ls_lR xargs_stat tar_c cat tar_x tar_x2 touch make compileall apt_remove)
declare -A W=(
	[find_ls]="find $TREE -ls"
	[du]="du -a $TREE"
	[ls_lR]="ls -lR $TREE"
	[xargs_stat]="find $TREE -print0 | xargs -0 stat"
	[tar_c]="tar cPf - $TREE | cat"
	[cat]="find $TREE -type f -exec cat {} +"
	[tar_x]="mkdir /tmp/x && tar xf $TARBALL -C /tmp/x"
	[tar_x2]="mkdir /tmp/x /tmp/y && { tar xf $TARBALL -C /tmp/x & tar xf $TARBALL -C /tmp/y & wait; }"
	[touch]="find $TOUCH -type f | xargs touch"
	[make]="make -s -j2 -C /data/proj N=$MAKE_N"
	[compileall]="python3 -m compileall -q -f $PYDIRS"
	[apt_remove]="apt-get remove -y -q $APT_PKG"
)
declare -A RESET=(
	[tar_x]="rm -rf /tmp/x"
	[tar_x2]="rm -rf /tmp/x /tmp/y"
	[make]="make -s -C /data/proj clean"
	[apt_remove]="dpkg-query -W -f='\${Status}' $APT_PKG | grep -q 'ok installed' || dpkg -i /bench/debs/${APT_PKG}_*.deb"
)
ls "$LOWER/bench/debs/${APT_PKG}_"*.deb > /dev/null 2>&1 || RESET[apt_remove]="exit 1"

want() { [[ -z $only_rows || ,$only_rows, == *,$1,* ]]; }
load_before=$(uptime)
say "${#ENVS[@]} environments (${ENVS[*]}), $rounds rounds; log in $T while running"
t_start=$(date +%s)
for ((r = 0; r < rounds; r++)); do
	mapfile -t order < <(rotate "$r" "${ENVS[@]}")
	say "round $((r + 1))/$rounds: ${order[*]}"
	for e in "${order[@]}" floor; do
		want ops || break
		v=$(timeout -k 10 "$TMO" bash -c 'in_env "$@"' _ "$e" /bench/ops all "$OPS_N" /data/ops \
			2>> "$T/log.$e") || echo "ops: status $?" >> "$T/log.$e"
		while read -r op ns; do
			[[ $ns =~ ^[0-9]+$ ]] && record "op_$op" "$e" "$ns"
		done <<< "$v"
	done
	for w in "${W_ROWS[@]}"; do
		want "$w" || continue
		for e in "${order[@]}"; do timed "$w" "$e" "${W[$w]}" "${RESET[$w]:-}"; done
	done
	for n in $WALKERS; do
		want walk || break
		for e in $(rotate "$r" kernel ovlrun); do
			[[ " ${ENVS[*]} " == *" $e "* ]] || continue
			timed "walk$n" "$e" "for i in \$(seq $n); do find $TREE -ls > /dev/null & done; wait"
		done
	done
done
load_after=$(uptime)

# ------------------------------------------------------------------ report
# med ROW ENV: the median in ns, "fail" if any round failed, "" if not run
med() {
	local f=$T/res/$1.$2
	[[ -s $f ]] || return 0
	if grep -q fail "$f"; then echo fail; return; fi
	sort -n "$f" | awk '{v[NR] = $1} END {printf "%.0f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
declare -A NAME=([native]=native [kernel]="kernel overlayfs" [kvol]="kernel, volatile"
	[fuse]=fuse-overlayfs [proot]=PRoot [runsc]="runsc (ptrace)" [ovlrun]=ovlrun
	[rootless]="ovlrun, by a user" [floor]="floor")
declare -A LABEL=([op_stat]=stat [op_open]="open+close" [op_readlink]=readlink
	[op_getdents]="open+getdents+close, 100 entries" [op_mkdir]="mkdir+rmdir"
	[op_creat]="creat+close+unlink" [op_exec]="fork+execve (static)+wait"
	[find_ls]="find -ls" [du]="du -a" [ls_lR]="ls -lR" [xargs_stat]="find \\| xargs stat"
	[tar_c]="tar c" [cat]="cat of every file" [tar_x]="tar x" [tar_x2]="2 x tar x at once" [touch]="touch lower files"
	[make]="make -j2" [compileall]="python3 -m compileall" [apt_remove]="apt-get remove $APT_PKG")
count() { bash -c 'in_env native /bin/sh -c "$1"' _ "$1" 2> /dev/null | tr -d ' \n'; }
n_tree=$(count "find $TREE | wc -l") n_touch=$(count "find $TOUCH -type f | wc -l")
mb_tar=$(( $(stat -c %s "$LOWER$TARBALL") / 1000000 ))
{
	echo "# ovlrun benchmark"
	echo
	echo "\`bash bench/run.sh$( ((quick)) && echo ' --quick')\` at $(git -C "$src" rev-parse --short HEAD 2>/dev/null)$(git -C "$src" diff --quiet HEAD 2>/dev/null || echo '+changes'), $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r), $rounds interleaved rounds, $(( $(date +%s) - t_start )) s."
	echo "Load before: \`${load_before#*load }\`, after: \`${load_after#*load }\`."
	echo "Tree: \`$TREE\` ($n_tree entries) of the Debian 12 image; \`tar x\` of $mb_tar MB; touch of $n_touch lower files; make of $MAKE_N C files."
	echo
	echo "Per-op, µs (mean of $OPS_N loops; /10 for getdents, mkdir, creat; /100 for exec), median of rounds:"
	echo
	printf '| op |'; for e in "${ENVS[@]}" floor; do printf ' %s |' "${NAME[$e]}"; done; echo ' ovlrun / floor | ovlrun / kernel |'
	printf '|---|'; for e in "${ENVS[@]}" floor; do printf -- '---:|'; done; echo '---:|---:|'
	for row in op_stat op_open op_readlink op_getdents op_mkdir op_creat op_exec; do
		printf '| %s |' "${LABEL[$row]}"
		for e in "${ENVS[@]}" floor; do
			v=$(med "$row" "$e")
			if [[ $e == floor && $row != op_stat && $row != op_open ]]; then v=""; fi
			[[ $v =~ ^[0-9.]+$ ]] && v=$(awk -v v="$v" 'BEGIN {printf (v < 10000 ? "%.1f" : "%.0f"), v / 1000}')
			printf ' %s |' "$v"
		done
		o=$(med "$row" ovlrun) f=$(med "$row" floor) k=$(med "$row" kernel)
		[[ $row == op_stat || $row == op_open ]] || f=""
		awk -v o="$o" -v f="$f" -v k="$k" 'function r(a, b) { return (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) ? sprintf("%.1fx", a / b) : "" }
			BEGIN { printf " %s | %s |\n", r(o, f), r(o, k) }'
	done
	echo
	echo "Workloads: median seconds (ratio to kernel overlayfs / ratio to native); fail = failed in a round:"
	echo
	printf '| workload |'; for e in "${ENVS[@]}"; do printf ' %s |' "${NAME[$e]}"; done; echo
	printf '|---|'; for e in "${ENVS[@]}"; do printf -- '---:|'; done; echo
	for row in "${W_ROWS[@]}"; do
		printf '| %s |' "${LABEL[$row]}"
		k=$(med "$row" kernel) n=$(med "$row" native)
		for e in "${ENVS[@]}"; do
			awk -v v="$(med "$row" "$e")" -v k="$k" -v n="$n" 'function r(a, b) { return (b ~ /^[0-9.]+$/ && b > 0) ? sprintf(a / b >= 10 ? "%.0f" : "%.2g", a / b) : "-" }
				BEGIN { if (v !~ /^[0-9.]+$/) { printf " %s |", v; exit }
					printf (v < 1e9 ? " %.3f (%s / %s) |" : " %.2f (%s / %s) |"), v / 1e9, r(v, k), r(v, n) }'
		done
		echo
	done
	echo
	echo "Concurrency: N parallel \`find -ls\` walkers of the tree, median seconds:"
	echo
	echo "| N | kernel overlayfs | ovlrun | ovlrun / kernel | that / (N=1) |"
	echo "|---:|---:|---:|---:|---:|"
	base=""
	for n in $WALKERS; do
		k=$(med "walk$n" kernel) o=$(med "walk$n" ovlrun)
		line=$(awk -v n="$n" -v k="$k" -v o="$o" -v b="$base" 'BEGIN {
			if (k !~ /^[0-9.]+$/ || o !~ /^[0-9.]+$/) { printf "| %s | %s | %s | | |\n", n, k, o; exit }
			r = o / k; printf "| %s | %.2f | %.2f | %.1fx | %s |\t%f\n", n, k / 1e9, o / 1e9, r, (b == "" ? "1.00" : sprintf("%.2f", r / b)), r }')
		[[ -z $base && $line == *$'\t'* ]] && base=${line##*$'\t'}
		echo "${line%%$'\t'*}"
	done
	echo
	echo "Not measured: \`apt-get remove\` with \`--lower=/\` (no safe native baseline on a live host; the row removes $APT_PKG from the Debian image instead, restored untimed in the copy from its .deb); the floor traps only newfstatat and openat, so only its stat and open rows are shown."
	for e in "${ENVS[@]}" floor; do
		[[ -s $T/log.$e ]] || continue
		echo "$e: $(sort -u "$T/log.$e" | head -n 3 | tr '\n' ';' | cut -c1-300)"
	done
} > "$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
