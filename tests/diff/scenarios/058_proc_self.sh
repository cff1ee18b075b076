# /proc/self shows overlay paths; /proc is the sandbox's own.
setup_lower() {
	mkdir -p data/sub
}
script=$(cat <<'EOS'
readlink /proc/self/exe
cd /data/sub
readlink /proc/self/cwd
pwd
cd /
test -d /proc/1 && echo has-pid1
test -c /dev/null && echo has-null
test -d /sys/kernel && echo has-sys
readlink /proc/self/root
EOS
)
