# A shell script in a lower that appends to itself by a builtin redirect:
# the shell reads its script through an fd opened before the copy-up that
# its own open makes, and reads the appended line, as on overlayfs (the fd
# moves to the copy before the open is answered); also a sed -i rewrite.
image=debian
setup_top_lower() {
	mkdir -p data
	printf '%s\n' 'echo one' "echo 'echo appended-builtin' >> /data/s1.sh" 'echo two' > data/s1.sh
	cp data/s1.sh data/b1.sh
	sed -i 's/s1.sh/b1.sh/' data/b1.sh
	printf '%s\n' 'echo one' 'sed -i "s/two/TWO/" /data/s3.sh' 'echo two' > data/s3.sh
}
script=$(cat <<'EOS'
sh /data/s1.sh; echo "--"
bash /data/b1.sh; echo "--"
sh /data/s3.sh; echo "--"
sh < /data/s1.sh
EOS
)
