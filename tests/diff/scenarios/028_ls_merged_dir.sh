# ls -la of a merged directory with upper, lower, shadowed and whited-out entries.
setup_lower() {
	mkdir -p data/d1 data/d2
	echo 1 > data/lower1
	echo 2 > data/lower2
	echo 3 > data/shadow
	touch -d @981173106 data data/d1 data/d2 data/lower1 data/lower2 data/shadow
}
script=$(cat <<'EOS'
echo new > /data/new
echo shadowed > /data/shadow
rm /data/lower2
rmdir /data/d2
mkdir /data/d3
touch -d '2001-01-01 00:00:00' /data /data/new /data/shadow /data/d3
ls -lan /data | sed -E 's/ [A-Z][a-z]{2} +[0-9]+ +([0-9]{4}|[0-9]{2}:[0-9]{2}) / TIME /'
ls -1a /data
stat -c '%n %h' /data /data/d1 /data/d3
EOS
)
