#!/usr/bin/env bash
# The modules depend one way only (DESIGN.md §2): supervisor -> syscalls ->
# overlay.  A file may include the headers of its own module and of the
# modules below it, and no folder's private headers but its own: overlay/
# only overlay/*.h and ovlrun/overlay.h; syscalls/ also syscalls/*.h and the
# handlers' ovlrun headers (OWNER below), never ovlrun/supervisor.h or
# supervisor/*.h.  What the handlers need of the supervisor (the shadow
# root) comes through struct shadow_ops in ovlrun/context.h.
#
# Checks the #include lines of overlay/, syscalls/, supervisor/ and
# include/ovlrun/ in $OVLRUN_SRC (no build needed; run it on any tree with
# OVLRUN_SRC=DIR), then, if the objects of $OVLRUN's build are there, that
# no object of a module references a symbol defined by a module above it.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

declare -A RANK=([overlay]=0 [syscalls]=1 [supervisor]=2)
# Who implements each public header: a header added to include/ovlrun must
# be entered here before anything may include it.
declare -A OWNER=(
	[overlay.h]=overlay
	[context.h]=syscalls           # struct sup and struct shadow_ops: the handlers' view
	[syscalls.h]=syscalls
	[notify.h]=syscalls
	[tasks.h]=syscalls
	[supervisor.h]=supervisor
)

bad=0
flag() { log "layering: $*"; bad=$((bad + 1)); }

# check_file FILE MODULE: every #include "..." (and <ovlrun/...>) of FILE.
check_file() {
	local file=$1 mod=$2 rel=${1#"$OVLRUN_SRC"/} n=0 line inc owner
	while IFS= read -r line; do
		n=$((n + 1))
		[[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*[\"\<]([^\"\>]+)[\"\>] ]] || continue
		inc=${BASH_REMATCH[1]}
		[[ $line =~ \" || $inc == ovlrun/* ]] || continue      # a system header
		if [[ $inc == ovlrun/* ]]; then
			owner=${OWNER[${inc#ovlrun/}]:-}
			[[ -n $owner ]] || { flag "$rel:$n: $inc: not in t_layering.sh's OWNER table"; continue; }
		elif [[ $inc != */* && $rel != include/* ]]; then
			owner=$mod                                          # the folder's own header
		elif [[ $inc != */* ]]; then
			owner=${OWNER[$inc]:-}
			[[ -n $owner ]] || { flag "$rel:$n: $inc: not in t_layering.sh's OWNER table"; continue; }
		else
			flag "$rel:$n: $inc: another folder's private header"
			continue
		fi
		((RANK[$owner] <= RANK[$mod])) || flag "$rel:$n: $inc ($owner) included by $mod"
	done <"$file"
}

for mod in overlay syscalls supervisor; do
	for f in "$OVLRUN_SRC/$mod"/*.[ch]; do
		check_file "$f" "$mod"
	done
done
for f in "$OVLRUN_SRC"/include/ovlrun/*.h; do
	h=$(basename "$f")
	if [[ -z ${OWNER[$h]:-} ]]; then
		flag "include/ovlrun/$h: not in t_layering.sh's OWNER table"
		continue
	fi
	check_file "$f" "${OWNER[$h]}"
done

# The same at link level (catches a declaration written by hand): the
# symbols each module's objects take from a module above it.
objs=$(dirname "${OVLRUN:-/nonexistent}")/CMakeFiles
defined() { nm --defined-only -g "$@" | awk 'NF == 3 { print $3 }' | sort -u; }
if command -v nm >/dev/null && compgen -G "$objs/ovlrun.dir/syscalls/*.o" >/dev/null &&
	compgen -G "$objs/ovloverlay.dir/overlay/*.o" >/dev/null; then
	sup_syms=$(defined "$objs"/ovlrun.dir/supervisor/*.o)
	above_overlay=$(printf '%s\n%s\n' "$sup_syms" "$(defined "$objs"/ovlrun.dir/syscalls/*.o)")
	for o in "$objs"/ovlrun.dir/syscalls/*.o "$objs"/ovloverlay.dir/overlay/*.o; do
		[[ $o == */syscalls/* ]] && above=$sup_syms || above=$above_overlay
		while read -r sym; do
			[[ -n $sym ]] && flag "${o#"$objs"/*.dir/}: uses $sym, defined above it"
		done < <(nm -u "$o" | awk '{ print $2 }' | grep -Fxf <(printf '%s\n' "$above") || true)
	done
else
	log "layering: no objects of a build beside \$OVLRUN: checked the #include lines only"
fi

((bad == 0)) || fatal "$bad layering violation(s) (DESIGN.md §2: supervisor -> syscalls -> overlay)"
log "layering: ok"
