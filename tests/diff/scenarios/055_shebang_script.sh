# #! scripts from the lower and from the upper.
setup_lower() {
	mkdir -p data
	printf '#!/bin/sh\necho "lower script: $0 $*"\n' > data/s.sh
	chmod 755 data/s.sh
	printf '#!/bin/nonexistent\necho never\n' > data/bad.sh
	chmod 755 data/bad.sh
}
script=$(cat <<'EOS'
/data/s.sh a b
printf '#!/bin/sh -e\necho "upper script: $0"\nexit 3\n' > /tmp/t.sh
chmod +x /tmp/t.sh
/tmp/t.sh
echo "status $?"
cd /data && ./s.sh rel
/data/bad.sh
echo "status $?"
EOS
)
