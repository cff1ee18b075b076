# dpkg -i of a local .deb, then dpkg -r and --purge, on the Debian image:
# the package database, the installed and removed files and the upper
# they leave are the kernel's.
image=debian
volatile_files='^var/log/dpkg\.log$'
script=$(cat <<'EOS'
set -e
dpkg -i /debs/hello_*.deb > /dev/null
hello
dpkg -s hello | grep -E '^(Package|Status|Version):'
dpkg -L hello | sort | head -n 8
test -x /usr/bin/hello && echo "binary installed"
dpkg -r hello > /dev/null
dpkg -s hello 2>&1 | head -n 1
test -e /usr/bin/hello || echo "binary removed"
ls /usr/share/doc/hello 2>&1 || true
dpkg --purge hello > /dev/null
dpkg --audit && echo "audit clean"
grep -E -o ' (install|remove|purge) hello' /var/log/dpkg.log
EOS
)
