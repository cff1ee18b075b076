# 500 lowers, the kernel's limit (OVL_MAX_STACK), where the merged view
# needs every layer: a file of each layer in /all (a dir in all 500), a
# whiteout in layer 100 hiding layer 101's file, /opq in layers 200..500
# and opaque in layer 250 (layers 251..500 do not show in it), a copy-up
# from the bottom layer into the dir of 500 layers, a rename and a removal
# there.  Layer L (1: top) holds all/fL; the generated lowers are 2..499.
lowers=500
layer_files() { # L: what layer L holds
	local l=$1
	mkdir all
	printf 'layer %s\n' "$l" > "all/f$(printf %03d "$l")"
	if ((l == 100)); then mknod all/f101 c 0 0; fi
	if ((l >= 200)); then
		mkdir opq
		printf 'opq %s\n' "$l" > "opq/o$l"
		if ((l == 250)); then setfattr -n "$OVL_XATTR.opaque" -v y opq; fi
	fi
}
setup_top_lower() { layer_files 1; }
setup_stack_lower() { layer_files $(($1 + 1)); }
setup_lower() { layer_files 500; }
script=$(cat <<'EOS'
ls /all | wc -l
ls -la /all | grep -v " \.\.$"
cat /all/f001 /all/f002 /all/f250 /all/f499 /all/f500
cat /all/f101
stat -c '%n %F %a %U:%G' /all /all/f001 /all/f100 /all/f500 /opq
ls -a /opq
cat /opq/o200 /opq/o250
cat /opq/o251
echo more >> /all/f500
cat /all/f500
mv /all/f300 /all/moved
rm /all/f002
cat /all/moved
ls /all | wc -l
ls /all | tail -3
EOS
)
