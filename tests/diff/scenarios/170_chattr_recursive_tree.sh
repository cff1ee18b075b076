# chattr -R +i / +a on a tree whose parts are in the lower, copied up and
# new in the upper; lsattr -R on it (sorted: the listing order is the
# dir's); rm -rf, find -delete, touch and mv in the tree are refused where
# Linux refuses them; chattr -R -i -a makes it removable again.
image=debian
setup_top_lower() {
	mkdir -p t/a/b t/c
	echo 1 > t/a/one; echo 2 > t/a/b/two; echo 3 > t/c/three; ln -s one t/a/link
}
script=$(cat <<'EOS'
cd /
echo up > t/a/b/two; mkdir t/new; echo n > t/new/n; mkfifo t/c/fifo
ls() { command ls "$@"; }
chattr -R +i t 2>&1 | sort; echo "chattr -R +i: $?"
lsattr -R t 2>&1 | sed 's/ \+/ /' | grep -v '^$' | sort
rm -rf t 2>&1 | sort; echo "rm -rf: $?"
find t -depth -delete 2>&1 | sort
touch t/a/new 2>&1; mv t/c/three t/c/3 2>&1; echo x >> t/new/n 2>&1
echo "left:"; find t | sort
chattr -R -i t; chattr -R +a t/a 2>&1 | sort
lsattr -R -d t/a t/a/b 2>&1 | sed 's/ \+/ /'
echo app >> t/a/one; echo over > t/a/one 2>&1; touch t/a/made; rm t/a/made 2>&1
cat t/a/one
chattr -R -a t; rm -rf t; echo "rm -rf after: $?"; ls -a t 2>&1
EOS
)
