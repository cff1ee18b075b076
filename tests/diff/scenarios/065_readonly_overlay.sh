# Without an upper the overlay is read-only: writes fail with EROFS.
no_upper=1
setup_lower() {
	mkdir -p data
	echo f > data/f
}
script=$(cat <<'EOS'
cat /data/f
echo x > /data/f
touch /data/new
mkdir /data/d
rm /data/f
mv /data/f /data/g
chmod 600 /data/f
ln -s x /data/l
stat -c '%n %a' /data/f
echo ok > /dev/null && echo devnull-ok
EOS
)
