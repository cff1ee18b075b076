#!/usr/bin/env bash
# Lowers in the OCI layer format (--lower-format=oci: ".wh.NAME" whiteouts,
# ".wh..wh..opq" opaque dirs) against the same layer in the kernel's
# format.  The kernel's overlayfs makes a layer of changes (a removed
# file, a removed dir, a dir replaced, a moved dir, new names, a chmod);
# ovlrun export turns it into an OCI layer, unpacked as tar does (markers
# and all).  Then one script reads and changes the tree on both stacks:
# the kernel's overlayfs over the kernel-format layer and ovlrun over the
# OCI one give the same output and the same upper.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
require_kernel_overlay
[[ $OVLRUN != "$KOVLRUN" ]] || skip "--lower-format=oci is ovlrun's (the kernel reads the other form here)"
L=$(new_lower)
mkdir -p "$L/t/keep" "$L/t/gone/deep" "$L/t/op/sub" "$L/t/mv/sub" "$L/t/later"
echo k > "$L/t/keep/f"; echo r > "$L/t/keep/rm"; echo g > "$L/t/gone/deep/g"
echo o > "$L/t/op/old"; echo s > "$L/t/op/sub/s"; echo m > "$L/t/mv/sub/m"
echo w > "$L/t/later/w"; echo a > "$L/t/again"
snapshot_lower "$L"

"$KOVLRUN" --lower="$L" --upper="$T/layer" -- /bin/sh -c '
set -e; cd /t
rm keep/rm again; rm -rf gone; rm -rf op; mkdir op; echo n > op/new
mv mv moved; echo new > new; chmod 600 keep/f; mkdir nd; echo z > nd/z
' || fail "the kernel's layer"
"$OVLRUN" export "$T/layer" --lower="$L" > "$T/layer.tar" || fail "export"
mkdir "$T/oci"
tar --xattrs --xattrs-include='*' --numeric-owner -xpf "$T/layer.tar" -C "$T/oci" || fail "unpack"
[[ -e $T/oci/t/.wh.gone && -e $T/oci/t/op/.wh..wh..opq ]] || fail "no markers in the unpacked layer"

script='
cd /t
echo "== names"; find /t | sort
echo "== all"; ls -a /t /t/op /t/keep
for n in /t/* /t/op/* /t/keep/*; do stat -c "%n %F %a %u:%g %s" "$n"; done
echo "== data"; cat keep/f op/new moved/sub/m new nd/z
echo "== lookups"; for n in keep/rm again gone op/old op/sub mv .wh.gone op/.wh..wh..opq; do
	[ -e "$n" ] && echo "$n: there" || echo "$n: gone"
done
echo "== changes"
echo more >> keep/f; echo again > again; mkdir gone; echo x > gone/x
touch op/t; rm -rf moved; rm later/w; rmdir later; mkdir mv
echo "== after"; find /t | sort; cat keep/f again
'
"$KOVLRUN" --lower="$T/layer:$L" --upper="$T/k" -- /bin/sh -c "$script" > "$T/k.out" 2>&1 ||
	fail "the kernel's run: $(cat "$T/k.out")"
run_ovl --lower-format=oci --lower="$T/oci:$L" --upper="$T/o" -- /bin/sh -c "$script"
assert_status 0
diff -u "$T/k.out" <(printf '%s\n' "$OUT") >&2 || fail "output differs from the kernel's over the kernel-format layer"
upper_dump "$T/k" > "$T/k.dump"
upper_dump "$T/o" > "$T/o.dump"
diff -u "$T/k.dump" "$T/o.dump" >&2 || fail "upper differs from the kernel's"
# (link counts differ by nature: the kernel's layer moves a dir with a
# redirect, merged with its old place below; the OCI layer holds it whole)
# The same OCI layer without the option: its markers are plain files.
run_ovl --lower="$T/oci:$L" -- /bin/sh -c 'ls -a /t | grep -c "^\.wh\."'
assert_stdout 3
finish
