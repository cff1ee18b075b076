# FIFOs in lower and upper.
setup_lower() {
	mkdir -p data
	mkfifo -m 640 data/lowerfifo
}
script=$(cat <<'EOS'
mkfifo /data/fifo
mkfifo -m 600 /tmp/p
stat -c '%n %F %a' /data/fifo /tmp/p /data/lowerfifo
chmod 600 /data/lowerfifo
stat -c '%n %F %a' /data/lowerfifo
( echo through-fifo > /tmp/p & ); cat /tmp/p
EOS
)
