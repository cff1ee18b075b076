# Deep paths near PATH_MAX (4096): relative walks work, over-long paths fail.
script=$(cat <<'EOS'
n=$(printf '%0200d' 0)
cd /tmp
i=0
while [ $i -lt 19 ]; do mkdir "$n"; cd "$n"; i=$((i+1)); done
echo deep > file
pwd | wc -c
cat "$(pwd)/file"
p=$(pwd)
mkdir "$p/$n/$n"
echo "status $?"
cat "/tmp/$n/$n/$n/$n/$n/$n/$n/$n/$n/$n/$n/$n/$n/$n/$n/$n/$n/$n/$n/$n/$n/x"
echo "status $?"
cd /
find /tmp | wc -l
rm -rf /tmp/$n
ls -a /tmp
EOS
)
