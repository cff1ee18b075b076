# An fd opened on a lower file inside a moved dir moves to the file's copy
# (the stale-fd replacement finds the copy under the moved name).
setup_lower() {
	mkdir -p data/d data/k
	echo f > data/d/f; echo g > data/d/g; echo k > data/k/f
}
script=$(cat <<'EOS'
cd /data
mv d e
exec 3< e/f
echo more >> e/f
cat <&3
mv k d
exec 4< e/g
echo kk >> d/f; echo gg >> e/g
cat <&4
EOS
)
