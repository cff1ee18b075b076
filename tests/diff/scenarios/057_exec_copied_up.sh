# Executing binaries that were copied up or created in the upper.
script=$(cat <<'EOS'
cp /bin/busybox /tmp/busybox
/tmp/busybox echo from-copy
chmod 755 /usr/bin/ovlprobe
ovlprobe hello
cp /opt/ovl-ld/ld.so /tmp/ld.so
/tmp/ld.so /usr/bin/ovlprobe hello
echo "x" >> /tmp/busybox
/tmp/busybox echo still-runs
EOS
)
