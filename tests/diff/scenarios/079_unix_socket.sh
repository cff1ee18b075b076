# An AF_UNIX socket bound at an overlay path: its inode is in the upper, a
# second process connects to it by that path, a bound name is in use.
setup_lower() {
	mkdir -p data/run
}
script=$(cat <<'EOS'
ovlprobe unix-serve /data/run/sock > /tmp/out &
# connectable once it listens (the name exists from bind on, before listen)
until grep -q listening /tmp/out 2> /dev/null; do sleep 0.1; done
ovlprobe unix-send /data/run/sock hello
wait
cat /tmp/out
ls -l /data/run | cut -c1-10
ovlprobe unix-serve /data/run/sock
ovlprobe unix-send /data/nonexistent x
rm /data/run/sock
ls /data/run
EOS
)
