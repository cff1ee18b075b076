# rename(2) and renameat2(2) directly (no mv fallback): EXDEV for lower and
# merged dirs, RENAME_NOREPLACE, RENAME_EXCHANGE, dir over non-empty dir.
setup_lower() {
	mkdir -p data/ldir/sub data/empty
	echo a > data/a
	echo b > data/b
	echo x > data/ldir/x
}
script=$(cat <<'EOS'
ovlprobe rename /data/ldir /data/ldir2; echo "lower dir: $?"
mkdir /data/udir; echo u > /data/udir/u
ovlprobe rename /data/udir /data/udir2; echo "upper dir: $?"
ovlprobe rename /data/udir2 /data/ldir; echo "over non-empty lower dir: $?"
ovlprobe rename /data/udir2 /data/empty; echo "over empty lower dir: $?"
ls -a /data/empty
ovlprobe rename2 /data/a /data/b noreplace; echo "noreplace: $?"
ovlprobe rename2 /data/a /data/b exchange; echo "exchange: $?"
cat /data/a /data/b
ovlprobe rename2 /data/a /data/new noreplace; echo "noreplace new: $?"
ls /data
EOS
)
