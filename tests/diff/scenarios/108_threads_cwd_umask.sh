# A process of two threads: the second changes the process's cwd (chdir) and
# its umask between the first thread's calls.  ovlrun keeps a process's cwd
# and umask between calls (syscalls/tasks.c); a change by any thread must
# show in the next call of every other.
setup_lower() {
	mkdir -p data/a data/b
	echo a > data/a/name
	echo b > data/b/name
}
script=$(cat <<'EOS'
ovlprobe threads-fs /data/a /data/b
ls -l /data/b | grep made | cut -c1-10
EOS
)
