# Programs that replace or write a binary while it runs, for a lower copy
# of dash, one copied up before it runs and one made in the upper: cp
# over ("Text file busy"), shell >, dd conv=notrunc, truncate, python
# open('r+'), then the ways that work: cp --remove-destination,
# install(1), mv over, rm and recreate; the running program is unaffected
# and the new file is writable and runs.  (Readiness: the program says so
# once it runs.)
image=debian
setup_top_lower() {
	mkdir -p b; for n in lo co; do cp "$LOWER/usr/bin/dash" b/$n; done
	echo 'echo new' > b/script
}
script=$(cat <<'EOS'
cd /b
cp /usr/bin/dash up; chmod 755 co
n() { sed 's/^[^:]*: [0-9]*: //'; }
run() {
	mkfifo /tmp/in /tmp/out
	./$1 -c 'echo running; read x; echo still running' < /tmp/in > /tmp/out & pid=$!
	exec 3> /tmp/in 4< /tmp/out; read line <&4; echo "$1 $line"
}
stop() { echo go >&3; exec 3>&-; read line <&4; exec 4<&-; echo "$line"; wait $pid; rm /tmp/in /tmp/out; }
for b in lo co up; do
	echo "== $b"
	run $b
	cp script $b 2>&1; (cat script > $b) 2>&1 | n
	dd if=script of=$b conv=notrunc status=none 2>&1; truncate -s 0 $b 2>&1
	python3 -c "
import sys
try: open('$b', 'r+')
except OSError as e: print('r+:', e.strerror)"
	cmp -s $b /usr/bin/dash && echo "$b unchanged"
	cp --remove-destination /usr/bin/dash $b.2 && cp --remove-destination script $b && echo "cp --remove-destination ok"
	stop; cat $b
	run $b.2; install -m 755 script $b.2 && echo "install ok"; stop; ./$b.2
	cp /usr/bin/dash $b.3; chmod 755 $b.3; run $b.3
	cp /usr/bin/dash /tmp/m; mv /tmp/m $b.3 && echo "mv over ok"; echo x >> $b.3 && echo "new one writable"; stop
	cp /usr/bin/dash $b.4; chmod 755 $b.4; run $b.4
	rm $b.4; echo 'echo recreated' > $b.4; chmod 755 $b.4; stop; ./$b.4
done
ls
EOS
)
