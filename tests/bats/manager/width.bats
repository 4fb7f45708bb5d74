#!/usr/bin/env bats
# Tables are aligned by display width, not bytes: a command or a label with é (two bytes, one
# column) or 日本 (three bytes, two columns each) keeps the columns after it in place, in ps's
# own table and in --format 'table ...' (format.c's tabwriter); truncation never cuts a
# character in half (manager/rbox/format/width.c). Names themselves are ASCII (docker's rules).

load helpers

# For each line of stdin, the display column where its last field starts (python's
# unicodedata: East Asian wide and fullwidth take two columns, combining marks none); prints
# the distinct columns, one per line: one line means aligned.
last_field_columns() {
	python3 -c '
import sys, unicodedata
def width(s):
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
data = sys.stdin.buffer.read().decode("utf-8")  # strict: a cut character fails here
cols = set()
for line in data.splitlines():
    line = line.rstrip()
    cols.add(width(line[: line.rfind(" ") + 1]))
for c in sorted(cols):
    print(c)'
}

@test "width: ps aligns commands with é and 日本 by display width, truncates by columns" {
	rbox create --name plain busybox true >/dev/null
	rbox create --name latin busybox echo héllo wörld >/dev/null
	rbox create --name cjk busybox echo 日本語です >/dev/null
	rbox create --name long busybox echo 日本語日本語日本語日本語 >/dev/null
	run rbox ps -a
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 5 ]
	run last_field_columns <<<"$output"
	[ "$status" -eq 0 ] || fail "$output"
	[ "${#lines[@]}" -eq 1 ] || fail "NAMES starts at columns: $output"$'\n'"$(rbox ps -a)"
	# docker's 20 columns: 19 and an ellipsis, whole characters only
	rbox ps -a | grep -qF '"echo 日本語日本語日…"'
	rbox ps -a | grep -qF '"echo héllo wörld"'
	# --no-trunc: the whole command, still aligned
	run rbox ps -a --no-trunc
	rbox ps -a --no-trunc | grep -qF '"echo 日本語日本語日本語日本語"'
	run last_field_columns <<<"$(rbox ps -a --no-trunc)"
	[ "${#lines[@]}" -eq 1 ] || fail "NAMES starts at columns: $output"
}

@test "width: --format 'table ...' aligns by display width (ps, network ls)" {
	rbox create --name plain busybox true >/dev/null
	rbox create --name latin busybox echo héllo wörld >/dev/null
	rbox create --name cjk busybox echo 日本語です >/dev/null
	run rbox ps -a --format 'table {{.Command}}\t{{.Names}}'
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	run last_field_columns <<<"$output"
	[ "${#lines[@]}" -eq 1 ] || fail "names start at columns: $output"$'\n'"$(rbox ps -a --format 'table {{.Command}}\t{{.Names}}')"
	rbox network create --label owner=日本語 net-a >/dev/null
	rbox network create --label owner=héllo net-b >/dev/null
	run rbox network ls --format 'table {{.Labels}}\t{{.Name}}'
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	[[ "$output" == *"owner=日本語"* ]]
	run last_field_columns <<<"$output"
	[ "${#lines[@]}" -eq 1 ] || fail "names start at columns: $output"$'\n'"$(rbox network ls --format 'table {{.Labels}}\t{{.Name}}')"
	rbox network rm net-a net-b >/dev/null
}

@test "width: rbox prints no colour, on a terminal or not" {
	rbox create --name plain busybox echo héllo >/dev/null
	# a terminal (script(1) gives rbox a pty) and TERM that has colours
	run env TERM=xterm-256color script -qec "$RBOX_BIN ps -a" /dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *plain* ]]
	[[ "$output" != *$'\e['* ]] || fail "escape sequence in: $output"
	run env TERM=xterm-256color script -qec "$RBOX_BIN --help" /dev/null
	[[ "$output" != *$'\e['* ]]
}
