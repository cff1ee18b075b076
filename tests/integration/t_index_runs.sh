#!/usr/bin/env bash
# needs host root: the kernel's overlayfs keeps no index in a user namespace (it cannot decode file handles there)
# --index=on over three runs on one upper and work dir, with real programs
# (GNU tar, cp -al, sed -i, python, perl, find, du) on the Debian image with
# a top lower of hard-linked files: the chains kernel-kernel-kernel (the
# kernel's overlayfs, index=on), ovlrun x3, ovlrun-kernel-ovlrun and
# kernel-ovlrun-kernel must print the same in each run and leave the same
# upper and the same index (entry names, types, link counts, nlink records).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
require_kernel_overlay
use_debian_image

TOP=$T/top
mkdir -p "$TOP/data/sub"
echo data > "$TOP/data/a"; ln "$TOP/data/a" "$TOP/data/b"; ln "$TOP/data/a" "$TOP/data/sub/c"
ln "$TOP/data/a" "$TOP/data/sub/d"
echo two > "$TOP/data/p"; ln "$TOP/data/p" "$TOP/data/q"; ln "$TOP/data/p" "$TOP/data/sub/r"
find "$TOP" -exec touch -h -d '2020-01-01' {} +

# show: each name's link count, whether it has the lower's inode number,
# mode, size and text
show='show() {
	for f in /data/a /data/b /data/sub/c /data/sub/d /data/sub/n /data/p /data/q /data/sub/r /copy/a /copy/sub/r; do
		[ -e $f ] || { echo "$f -"; continue; }
		i=$(stat -c %i $f); l=new
		[ "$i" = "$(cat /ino.a 2>/dev/null)" ] && l=ino-a; [ "$i" = "$(cat /ino.p 2>/dev/null)" ] && l=ino-p
		echo "$f $(stat -c "%h %a %s" $f) $l $(paste -sd, $f)"
	done
}'
step1="$show"'
stat -c %i /data/a > /ino.a; stat -c %i /data/p > /ino.p
cd /data && echo more >> a && tar cf /tmp/x.tar --sort=name --mtime=2020-01-01 . && cp -al /data /copy
sed -i s/two/TWO/ q; chmod 640 sub/c; show'
step2="$show"'
show; echo "--"
rm /data/sub/c; ln /data/a /data/sub/n
python3 -c "import os; open(\"/tmp/n\", \"w\").write(\"new\\n\"); os.replace(\"/tmp/n\", \"/data/sub/d\"); os.link(\"/data/p\", \"/data/p2\")"
perl -e "chmod 0600, q(/copy/a); unlink q(/data/p2); truncate q(/copy/sub/r), 2"
show'
step3="$show"'
show; echo "--"
find /data /copy -samefile /data/a | sort | paste -sd" "
du -sb /data /copy | cut -f1 | paste -sd" "; du -slb /data | cut -f1
tar xf /tmp/x.tar -C /data --overwrite; show; echo "--"
rm -r /copy; rm /data/b /data/p; show'

run_step() { # CHAIN K|O STEP
	local dir=$T/$1 runner=$KOVLRUN
	[[ $2 == O ]] && runner=$OVLRUN
	STATUS=0
	OUT=$(timeout 300 "$runner" --lower="$TOP:$D" --upper="$dir/u" --work="$dir/w" --index=on -- \
		/usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root /bin/sh -c "$3" \
		2> "$T/err" < /dev/null) || STATUS=$?
	ERR=$(cat "$T/err")
}

index_state() { # DIR: the index's entries (not the kernel's own "#N")
	local f
	for f in "$1"/w/index/*; do
		[[ (-e $f || -L $f) && $(basename "$f") != \#* ]] || continue
		printf '%s %s %s %s\n' "$(basename "$f")" "$(stat -c '%F %h' "$f")" \
			"$(getfattr --only-values -h -n trusted.overlay.nlink "$f" 2>/dev/null || echo -)" \
			"$(find "$1/u" -inum "$(stat -c %i "$f")" -printf '/%P\n' | sort | paste -sd, -)"
	done
}

declare -A want
chains=(KKK OOO OKO KOK)
[[ $OVLRUN == "$KOVLRUN" ]] && chains=(KKK)
for chain in "${chains[@]}"; do
	mkdir -p "$T/$chain/u" "$T/$chain/w"
	for k in 1 2 3; do
		step=step$k
		run_step "$chain" "${chain:k-1:1}" "${!step}"
		res="status=$STATUS
$OUT
$ERR"
		if [[ $chain == KKK ]]; then
			want[$k]=$res
		else
			assert_eq "${want[$k]}" "$res" "$chain: run $k as in the kernel-only chain"
		fi
	done
	upper_dump "$T/$chain/u" > "$T/$chain.upper"
	index_state "$T/$chain" > "$T/$chain.index"
	if [[ $chain != KKK ]]; then
		assert_eq "$(cat "$T/KKK.upper")" "$(cat "$T/$chain.upper")" "$chain: the upper"
		assert_eq "$(cat "$T/KKK.index")" "$(cat "$T/$chain.index")" "$chain: the index"
	fi
done
[[ -n ${VERBOSE:-} ]] && { printf '%s\n' "${want[@]}"; cat "$T/KKK.index"; }
finish
