#!/bin/sh
# mkman.sh - rbox's man pages, made from the programs' own --help texts (the single source, so
# a page never drifts from --help) and rbox.conf(5) from docs/config.md.
#
#   tools/mkman.sh RBOX RBOX_RUNTIME OUTDIR [VERSION [DATE]]
#
# Pages, named as podman's and docker's (man-db users type `man rbox-network-create`):
#   rbox(1), rbox-CMD(1) for every command of `rbox --help`, rbox-GROUP-SUB(1) for every
#   subcommand of a group (image, volume, network, system, container) that has its own usage
#   (an alias such as `container ls` is the page of `ps`), rbox-runtime(1), rbox-runtime-VERB(1),
#   rbox.conf(5).
# `rbox CMD --help` needs neither root nor a store. A help text that fails fails the build.
set -eu

rbox=$1
runtime=$2
out=$3
version=${4:-0.0.0}
date=${5:-$(date -u +%Y-%m-%d)}
here=$(cd "$(dirname "$0")" && pwd)
h2r="$here/help2roff.awk"
tab=$(printf '\t')

mkdir -p "$out/man1" "$out/man5"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# --help opens no store (main.c's help_only); should a new command's --help path open one all
# the same, it is this throwaway one, never the host's /var/lib/rbox
export RBOX_ROOT="$tmp/root" RBOX_RUNROOT="$tmp/run"

# page PROG-WORDS PAGE SUMMARY SEEALSO < help text
page() {
	awk -f "$h2r" -v prog="$1" -v page="$2" -v sec=1 -v summary="$3" -v see="$4" \
		-v date="$date" -v version="$version" >"$out/man1/$2.1.tmp"
	mv "$out/man1/$2.1.tmp" "$out/man1/$2.1"
}

# help PROGRAM ARGS... > file (the program must succeed)
help() {
	"$@" --help >"$tmp/help" || {
		echo "mkman.sh: '$* --help' failed" >&2
		exit 1
	}
}

commands_of() { # < help text: NAME<TAB>SUMMARY lines
	awk -f "$h2r" -v mode=list
}

# ---- rbox and its commands ----
help "$rbox"
commands_of <"$tmp/help" >"$tmp/cmds"
see="rbox-runtime(1),rbox.conf(5)"
while IFS="$tab" read -r c _; do see="$see,rbox-$c(1)"; done <"$tmp/cmds"
page rbox rbox "run containers like docker, without a daemon" "$see" <"$tmp/help"

while IFS="$tab" read -r c summary; do
	help "$rbox" "$c"
	cp "$tmp/help" "$tmp/help.$c"
	commands_of <"$tmp/help.$c" >"$tmp/subs.$c"
	see="rbox(1)"
	: >"$tmp/pages.$c"
	while IFS="$tab" read -r s ssum; do
		help "$rbox" "$c" "$s"
		# only a subcommand with its own usage ("Usage: rbox image ls") gets a page
		if head -n 1 "$tmp/help" | grep -q "^Usage: rbox $c $s\( \|\$\)"; then
			[ -n "$ssum" ] || ssum=$(sed -n '3p' "$tmp/help")
			page "rbox $c $s" "rbox-$c-$s" "$ssum" "rbox(1),rbox-$c(1)" <"$tmp/help"
			see="$see,rbox-$c-$s(1)"
		fi
	done <"$tmp/subs.$c"
	page "rbox $c" "rbox-$c" "$summary" "$see" <"$tmp/help.$c"
done <"$tmp/cmds"

# ---- rbox-runtime and its verbs ----
help "$runtime"
commands_of <"$tmp/help" >"$tmp/rtcmds"
cp "$tmp/help" "$tmp/help.rt"
see="rbox(1)"
while IFS="$tab" read -r v summary; do
	help "$runtime" "$v"
	page "rbox-runtime $v" "rbox-runtime-$v" "$summary" "rbox-runtime(1)" <"$tmp/help"
	see="$see,rbox-runtime-$v(1)"
done <"$tmp/rtcmds"
page rbox-runtime rbox-runtime "an OCI container runtime with runc's command line" "$see" \
	<"$tmp/help.rt"

# ---- rbox.conf(5), from docs/config.md ----
awk -f "$here/md2roff.awk" -v page=rbox.conf -v sec=5 -v date="$date" -v version="$version" \
	-v summary="rbox's configuration file" -v see="rbox(1),rbox-network(1)" \
	"$here/../docs/config.md" >"$out/man5/rbox.conf.5.tmp"
mv "$out/man5/rbox.conf.5.tmp" "$out/man5/rbox.conf.5"
