# An fd opened on a lower file before another process copies it up: the
# kernel reads the copy through it at once; ovlrun replaces it at its
# holder's next trapped call, so a process that reads it without a trapped
# call in between still reads the lower data, and after one (an fstat) the
# copy's, from the same offset.
documented_difference="an fd opened before a copy-up reads the copy from its holder's next trapped call"
image=debian
setup_top_lower() {
	mkdir -p data
	printf 'lower1\nlower2\n' > data/f
}
script=$(cat <<'EOS'
python3 - <<'PY'
import os, subprocess
fd = os.open("/data/f", os.O_RDONLY)
print("first read:", os.read(fd, 7))
subprocess.run(["/bin/sh", "-c", "printf 'upper1\\nupper2\\n' > /data/f"], check=True)
print("read before any trapped call:", os.read(fd, 7))
os.lseek(fd, 7, os.SEEK_SET)
os.fstat(fd)
print("read after fstat:", os.read(fd, 7))
PY
EOS
)
