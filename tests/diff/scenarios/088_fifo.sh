# FIFOs in the overlay: one made with mkfifo (in the upper) and one from the
# lower, each with a reader and a writer process; the lower FIFO opened for
# writing, chmod-ed (a copy-up of the node), renamed and removed.
setup_lower() {
	mkdir -p data/sub
	mkfifo data/lfifo data/sub/lfifo2 data/gone
}
script=$(cat <<'EOS'
mkfifo -m 0640 /data/new.fifo
cat /data/new.fifo > /tmp/got &
echo "through the new fifo" > /data/new.fifo
wait
cat /tmp/got
cat /data/lfifo > /tmp/got &
echo "through the lower fifo" > /data/lfifo
wait
cat /tmp/got
# readers first, writer second, the other way round
(echo "writer first" > /data/sub/lfifo2) &
cat /data/sub/lfifo2
wait
# one writer fd held open for several writes
(exec 3> /data/new.fifo; for i in 1 2 3; do echo "w$i" >&3; done) &
cat /data/new.fifo
wait
chmod 0600 /data/sub/lfifo2
mv /data/new.fifo /data/sub/moved.fifo
rm /data/gone
ls /data /data/sub
stat -c '%n %F %a' /data/lfifo /data/sub/*
EOS
)
