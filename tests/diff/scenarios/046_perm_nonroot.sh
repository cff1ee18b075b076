# Permission checks with the caller's credentials (uid 1000 via ovlprobe runas).
setup_lower() {
	mkdir -p data/ro data/rw
	echo secret > data/secret
	chmod 600 data/secret
	chmod 555 data/ro
	chown 1000:1000 data/rw
	echo mine > data/rw/mine
	chown 1000:1000 data/rw/mine
}
script=$(cat <<'EOS'
ovlprobe runas 1000 1000 /bin/sh -c '
id
cat /data/secret
echo x > /etc/passwd
touch /data/ro/new
rm /etc/group
mkdir /root/x
ls /root
echo appended >> /data/rw/mine
touch /data/rw/new
touch /home/user/h
cat /data/rw/mine
chmod 600 /etc/hostname
echo "end $?"
'
EOS
)
