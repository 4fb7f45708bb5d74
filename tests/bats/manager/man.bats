#!/usr/bin/env bats
# Man pages: made from the programs' own --help texts by tools/mkman.sh (and rbox.conf(5) from
# docs/config.md), so that a page cannot drift from --help. Each test checks the pages made
# from the binaries under test; one checks what `make install-man` puts in place.

load helpers

setup_file() {
	export MAN_OUT="$BATS_FILE_TMPDIR/man"
	sh "$REPO_ROOT/tools/mkman.sh" "$RBOX_BUILD/bin/rbox" "$RBOX_BUILD/bin/rbox-runtime" \
		"$MAN_OUT" 1.2.3 2026-01-02
}

# the commands of a help text's Commands section (first word of each entry)
commands_in() { # PROGRAM ARGS...
	"$@" --help | awk '/^Commands:$/ { on = 1; next } /^[A-Z].*:$/ { on = 0 } on && /^  [a-z]/ { print $1 }' |
		tr -d ,
}

# a page as man-db shows it (no hyphenation, plain text)
render() { # PAGE-FILE
	LC_ALL=C.UTF-8 MANWIDTH=100 man -l "$1" 2>/dev/null | col -b
}

# every flag a help text lists: the entries of its option sections ("  -a, --all ...")
flags_of() { # < help text
	grep -E '^ {2,6}-' | sed -E 's/^ +//; s/ {2,}.*//' | grep -oE '(^|[ ,])--?[A-Za-z0-9][A-Za-z0-9-]*' |
		sed -E 's/^[ ,]+//' | sort -u
}

@test "man: --help of every command works without root and opens no store" {
	local c s
	export RBOX_ROOT="$BATS_TEST_TMPDIR/noroot" RBOX_RUNROOT="$BATS_TEST_TMPDIR/noroot-run"
	for c in $(commands_in rbox); do
		run setpriv --reuid 65534 --regid 65534 --clear-groups "$RBOX_BIN" "$c" --help
		[ "$status" -eq 0 ] || fail "rbox $c --help as nobody: $status $output"
		[[ "$output" == Usage:* ]] || fail "rbox $c --help: $output"
		for s in $(commands_in rbox "$c"); do
			run setpriv --reuid 65534 --regid 65534 --clear-groups "$RBOX_BIN" "$c" "$s" --help
			[ "$status" -eq 0 ] || fail "rbox $c $s --help as nobody: $status $output"
		done
	done
	[ ! -e "$RBOX_ROOT" ] && [ ! -e "$RBOX_RUNROOT" ]
	# a command still needs root, or a rootless setup nobody lacks (docs/rootless.md)
	run setpriv --reuid 65534 --regid 65534 --clear-groups env PATH=/usr/bin:/bin "$RBOX_BIN" ps
	[ "$status" -eq 125 ]
	[[ "$output" == *"/etc/subuid"* || "$output" == *"newuidmap"* ]]
	[ ! -e "$RBOX_ROOT" ] && [ ! -e "$RBOX_RUNROOT" ]
}

@test "man: every command and subcommand of rbox --help has a page, so do rbox-runtime and rbox.conf" {
	local c s missing=""
	[ -f "$MAN_OUT/man1/rbox.1" ] || missing+=" rbox.1"
	for c in $(commands_in rbox); do
		[ -f "$MAN_OUT/man1/rbox-$c.1" ] || missing+=" rbox-$c.1"
		for s in $(commands_in rbox "$c"); do
			# a subcommand with its own usage has its own page; an alias is the page of its command
			if "$RBOX_BIN" "$c" "$s" --help | head -n 1 | grep -q "^Usage: rbox $c $s\b"; then
				[ -f "$MAN_OUT/man1/rbox-$c-$s.1" ] || missing+=" rbox-$c-$s.1"
			fi
		done
	done
	[ -f "$MAN_OUT/man1/rbox-runtime.1" ] || missing+=" rbox-runtime.1"
	for c in $(commands_in "$RUNTIME_BIN"); do
		[ -f "$MAN_OUT/man1/rbox-runtime-$c.1" ] || missing+=" rbox-runtime-$c.1"
	done
	[ -f "$MAN_OUT/man5/rbox.conf.5" ] || missing+=" rbox.conf.5"
	[ -z "$missing" ] || fail "missing pages:$missing"
	# podman's names: man rbox-network-create
	[ -f "$MAN_OUT/man1/rbox-network-create.1" ]
	[ -f "$MAN_OUT/man1/rbox-image-ls.1" ]
	[ -f "$MAN_OUT/man1/rbox-completion.1" ]
}

@test "man: every page renders without a warning (man -l, groff -ww, mandoc -T lint)" {
	requires cmd:man cmd:groff
	local f out bad=""
	for f in "$MAN_OUT"/man1/*.1 "$MAN_OUT"/man5/*.5; do
		out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=w -l "$f" 2>&1 >/dev/null)
		[ -z "$out" ] || bad+=$'\n'"man: $out"
		out=$(groff -man -ww -z -Tutf8 "$f" 2>&1)
		[ -z "$out" ] || bad+=$'\n'"groff: $out"
		if command -v mandoc >/dev/null; then
			out=$(mandoc -T lint -W warning "$f" 2>&1)
			[ -z "$out" ] || bad+=$'\n'"$out"
		fi
		# the page says what it is
		render "$f" | grep -q '^NAME' || bad+=$'\n'"$f: no NAME"
	done
	[ -z "$bad" ] || fail "$bad"
}

@test "man: each page names every flag of its command's --help (the page cannot drift)" {
	requires cmd:man
	local f prog flag text bad="" n=0
	for f in "$MAN_OUT"/man1/*.1; do
		# the first line says which help text made the page
		prog=$(sed -n "1s/.* from '\\(.*\\) --help'.*/\\1/p" "$f")
		[ -n "$prog" ] || fail "$f: no source line"
		prog=${prog/#rbox-runtime/$RUNTIME_BIN}
		prog=${prog/#rbox/$RBOX_BIN}
		text=$(render "$f")
		for flag in $($prog --help | flags_of); do
			n=$((n + 1))
			grep -qE -- "(^|[^A-Za-z0-9-])$flag([^A-Za-z0-9-]|\$)" <<<"$text" ||
				bad+=" $(basename "$f"):$flag"
		done
	done
	[ -z "$bad" ] || fail "flags missing from their page:$bad"
	# the check saw the flags (run alone has more than 40)
	[ "$n" -gt 150 ]
	render "$MAN_OUT/man1/rbox-run.1" | grep -qE -- '--network MODE'
	render "$MAN_OUT/man1/rbox-runtime-create.1" | grep -qE -- '-b, --bundle DIR'
}

@test "man: rbox.conf(5) is docs/config.md and describes every key rbox reads" {
	requires cmd:man
	local key text
	text=$(render "$MAN_OUT/man5/rbox.conf.5")
	# the keys of the parser's table (manager/rbox/store/conf.c)
	local keys
	keys=$(sed -nE 's/^ *\{ "([a-z_]+)", K_.*/\1/p' "$REPO_ROOT/manager/rbox/store/conf.c")
	[ "$(wc -w <<<"$keys")" -ge 7 ]
	for key in $keys; do
		grep -q "^ *$key (default: " <<<"$text" || fail "rbox.conf(5) lacks $key"
	done
	grep -q '^EXAMPLE' <<<"$text"
	grep -q 'default_network = "none"' <<<"$text"
}

@test "man: make install-man puts the pages under share/man, man finds them" {
	requires cmd:man
	local dest="$BATS_TEST_TMPDIR/dest"
	run make -s -C "$REPO_ROOT" BUILD="$RBOX_BUILD" DESTDIR="$dest" PREFIX=/usr install-man
	[ "$status" -eq 0 ] || fail "$output"
	[ -f "$dest/usr/share/man/man1/rbox.1" ]
	[ -f "$dest/usr/share/man/man1/rbox-network-create.1" ]
	[ -f "$dest/usr/share/man/man1/rbox-runtime-create.1" ]
	[ -f "$dest/usr/share/man/man5/rbox.conf.5" ]
	run env MANPATH="$dest/usr/share/man" man -w rbox-run
	[ "$status" -eq 0 ]
	[ "$output" = "$dest/usr/share/man/man1/rbox-run.1" ]
	run env MANPATH="$dest/usr/share/man" man -w 5 rbox.conf
	[ "$output" = "$dest/usr/share/man/man5/rbox.conf.5" ]
}
