# The dynamic program whose ELF interpreter exists only in the image.
script=$(cat <<'EOS'
ovlprobe hello
ovlprobe exe
cd /tmp && ../usr/bin/ovlprobe exe
/usr/bin/ovlprobe exe
EOS
)
