# . and .. handling, including .. at the root.
setup_lower() {
	mkdir -p data/sub/deeper
}
script=$(cat <<'EOS'
head -n1 /etc/../etc/./passwd
cd /data/sub/deeper/..
pwd
ls ..
cd /../../..
pwd
ls /.. | head -n3
cat /../../etc/hostname
cd /data/./sub/../sub/deeper
pwd
mkdir ../new/ 2>&1; ls /data/sub
mkdir /data/sub/x/../y
echo "status $?"
touch /data/./sub/./f
ls /data/sub
EOS
)
