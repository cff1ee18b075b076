# dnotify (fcntl F_NOTIFY with F_SETSIG) on overlay directories, a merged
# lower one and a new one: a real-time signal carrying the fd for each
# creation, attribute change, rename, removal and write in the dir; a
# one-shot registration signals once; none after the fd is closed or the
# registration removed (F_NOTIFY 0).
setup_lower() {
	mkdir -p data/d
	echo f > data/d/f
}
script=$(cat <<'EOS'
cd /data
mkdir n
ovlprobe dnotify /data/d multishot 'touch /data/d/new' 'chmod 600 /data/d/f' \
	'mv /data/d/new /data/d/new2' 'rm /data/d/new2' 'echo more >> /data/d/f' \
	'mkdir /data/d/sub' 'cat /data/d/f > /dev/null' 'touch /data/other'
ovlprobe dnotify /data/n oneshot 'touch /data/n/a' 'touch /data/n/b'
ovlprobe dnotify /data/n closed 'touch /data/n/c'
ovlprobe dnotify /data/n removed 'touch /data/n/d'
EOS
)
