# tail -f and tail -F on a log with a second name: lines appended through
# the other name are followed; a logrotate-like rename (mv log log.1, a
# new log) is followed by name with -F ("has been replaced"), by the file
# with -f; the log copied up from a lower file by the first append.
# (Readiness: each line is waited for; tail's messages are printed after.)
image=debian
setup_top_lower() {
	mkdir -p var; echo l1 > var/log; echo m1 > var/mlog
}
script=$(cat <<'EOS'
cd /var
ln log log.ln 2>&1; ln mlog mlog.ln
mkfifo /tmp/o /tmp/p
tail -F -s 0.1 log > /tmp/o 2> /tmp/e1 & t1=$!
tail -f -s 0.1 mlog > /tmp/p 2> /tmp/e2 & t2=$!
exec 3< /tmp/o 4< /tmp/p
upto() { # FD LINE: print what tail says up to LINE
	while read l <&$1; do echo "$1: $l"; [ "$l" = "$2" ] && break; done
}
upto 3 l1; upto 4 m1
echo l2 >> log.ln; echo m2 >> mlog.ln; upto 3 l2; upto 4 m2
mv log log.1; mv mlog mlog.1
echo n1 > log; echo x > mlog; upto 3 n1
echo l3 >> log.1; echo n2 >> log; echo m3 >> mlog.1; upto 3 n2; upto 4 m3
exec 2>/dev/null; kill $t1 $t2; wait
cat /tmp/e1 /tmp/e2
EOS
)
