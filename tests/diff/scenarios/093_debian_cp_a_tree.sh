# cp -a of lower trees (/usr/share/perl5; /usr/share/zoneinfo, 1300
# entries with symlinks and hard links) into /root: diff -r finds no
# difference, find sees the same types, modes, owners, sizes, times and
# link counts; then a copy is changed and parts of a copy and of the
# original removed (whiteouts of a lower tree).
image=debian
script=$(cat <<'EOS'
set -e
cp -a /usr/share/perl5 /root/x
diff -r /usr/share/perl5 /root/x && echo "copy identical"
find /root/x | wc -l
(cd /usr/share/perl5 && find . -printf '%y %m %u %g %s %T@ %p\n' | sort) > /tmp/a
(cd /root/x && find . -printf '%y %m %u %g %s %T@ %p\n' | sort) > /tmp/b
cmp /tmp/a /tmp/b && echo "types, modes, owners, sizes and mtimes kept"
rm /tmp/a /tmp/b
cp -a /usr/share/zoneinfo /root/z
diff -r /usr/share/zoneinfo /root/z && echo "zoneinfo copy identical"
(cd /usr/share/zoneinfo && find . ! -type d -printf '%y %m %s %n %T@ %p %l\n' | sort) > /tmp/a
(cd /root/z && find . ! -type d -printf '%y %m %s %n %T@ %p %l\n' | sort) > /tmp/b
cmp /tmp/a /tmp/b && echo "zoneinfo: link counts and symlinks kept"
wc -l < /tmp/a
rm /tmp/a /tmp/b
cp -a /root/x /root/y
rm -rf /root/x/Debconf /usr/share/perl5/Debian
echo changed >> /root/y/Debconf/Log.pm
ls /root/x /usr/share/perl5
tail -n 1 /root/y/Debconf/Log.pm
EOS
)
