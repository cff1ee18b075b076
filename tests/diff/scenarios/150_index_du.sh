# index=on: du counts a hard-linked lower file once (du -l: once per name),
# needs host root: the kernel's overlayfs keeps no index in a user namespace (it cannot decode file handles there; ovlrun falls back alike)
# before and after copy-ups through some names, after a name leaves the
# group (rename over it) and after a new link; du --inodes too.
index=on
image=debian
setup_top_lower() {
	mkdir -p data/d1 data/d2
	head -c 40000 /dev/zero | tr '\0' x > data/d1/big; ln data/d1/big data/d2/big2; ln data/d1/big data/d1/big3
	head -c 9000 /dev/zero | tr '\0' y > data/d2/mid; ln data/d2/mid data/d1/mid2
}
script=$(cat <<'EOS'
cd /data
sizes() {
	echo "$1: du -b $(du -sb . | cut -f1) du -lb $(du -slb . | cut -f1) inodes $(du -s --inodes . | cut -f1) apparent-per-dir $(du -b --apparent-size d1 d2 | cut -f1 | paste -sd' ')"
}
sizes lower
echo z >> d2/big2; sizes "append through d2/big2"
touch d1/mid2; sizes "touch d1/mid2"
ln d2/mid d2/mid3; sizes "ln d2/mid d2/mid3"
echo new > n; mv n d1/big3; sizes "d1/big3 renamed over"
du -ab --apparent-size . | sort -k2
EOS
)
