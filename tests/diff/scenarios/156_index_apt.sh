# index=on: apt over the Debian image (whose files, in a cache shared by
# needs host root: the kernel's overlayfs keeps no index in a user namespace (it cannot decode file handles there; ovlrun falls back alike)
# checkouts, may all be hard links): apt-get update from the local file:
# repository (lists renamed over lower names), install of jq and its two
# libraries, --reinstall of gzip from the cached .deb by path
# (gunzip and uncompress: one hard-linked pair replaced), removal of the
# cached .deb and a reinstall that then fails, apt-get remove; dpkg -V.
index=on
image=debian
volatile_files='^var/log/(dpkg\.log|apt/(eipp\.log\.xz|history\.log|term\.log))$|^var/cache/apt/(pkg|srcpkg)cache\.bin$|^var/cache/ldconfig/aux-cache$'  # times, stat data
script=$(cat <<'EOS'
export DEBIAN_FRONTEND=noninteractive
echo "deb [trusted=yes] file:/debs/repo ./" > /etc/apt/sources.list   # (no network: the image's source goes)
apt-get update -qq 2>&1 | head -n 5
apt-get install -y -qq --no-install-recommends jq > /dev/null 2>&1; echo "install jq: $?"
echo '{"a": [1, 2]}' | jq -c '.a | add'
apt-get install -y -qq --reinstall /var/cache/apt/archives/gzip_1.12-1_amd64.deb > /dev/null 2>&1; echo "reinstall gzip: $?"
stat -c '%h' /usr/bin/gunzip /usr/bin/uncompress; [ /usr/bin/gunzip -ef /usr/bin/uncompress ] && echo "one file"
rm /var/cache/apt/archives/gzip_*.deb
apt-get install -y -qq --reinstall /var/cache/apt/archives/gzip_1.12-1_amd64.deb 2>&1 | head -n 2; ls /var/cache/apt/archives | grep -c "\.deb$"
apt-get remove -y -qq jq > /dev/null 2>&1; echo "remove jq: $?"
dpkg -V gzip libjq1 | sort
dpkg-query -W -f='${Package} ${Status}\n' jq libjq1 gzip
echo abc | gzip | gunzip
EOS
)
