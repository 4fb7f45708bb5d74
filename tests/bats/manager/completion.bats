#!/usr/bin/env bats
# rbox completion bash|zsh|fish: the scripts, run in the real shells, complete commands,
# subcommands, flags (from --help, so they cannot drift), container names, image references,
# volume and network names (manager/rbox/cmd/completion.c).

load helpers

# COMPREPLY of the bash script for `rbox WORD...` (the last WORD is the one completed, as
# bash splits it: NAME:TAG is NAME ":" TAG), one per line
complete_bash() {
	RBOX_BIN="$RBOX_BIN" bash --norc --noprofile -c '
		source <("$RBOX_BIN" completion bash) || exit 1
		COMP_WORDS=("$RBOX_BIN" "$@")
		COMP_CWORD=$#
		_rbox
		printf "%s\n" "${COMPREPLY[@]}"' _ "$@"
}

# the candidates as one sorted line: "a b c"
cands() {
	complete_bash "$@" | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//'
}

@test "completion: bash completes the commands and the subcommands of a group" {
	run complete_bash ""
	[ "$status" -eq 0 ]
	for c in run ps stop network volume image completion; do
		grep -qx "$c" <<<"$output" || fail "no $c in: $output"
	done
	[ "$(cands ne)" = "network" ]
	[ "$(cands st)" = "start stats stop" ]
	[ "$(cands network c)" = "connect create" ]
	[ "$(cands volume "")" = "create inspect ls prune rm" ]
	# container X completes X's subcommands as the top-level ones
	grep -qx prune <<<"$(complete_bash container "")"
	grep -qx stop <<<"$(complete_bash container "")"
	# after a global flag and its value
	[ "$(cands --root /tmp ne)" = "network" ]
}

@test "completion: bash completes the flags of each command from its --help" {
	[ "$(cands run --net)" = "--network --network-alias" ]
	[ "$(cands ps --fo)" = "--format" ]
	[ "$(cands network create --sub)" = "--subnet" ]
	# every flag of run's --help, nothing it does not list
	local want got
	want=$(rbox run --help | grep -E '^ {2,6}-' | sed -E 's/^ +//; s/ {2,}.*//' |
		grep -oE '(^|[ ,])--?[A-Za-z0-9][A-Za-z0-9-]*' | sed -E 's/^[ ,]+//' | sort -u)
	got=$(complete_bash run - | sort -u)
	[ "$(comm -23 <(echo "$want") <(echo "$got"))" = "" ] || fail "missing: $(comm -23 <(echo "$want") <(echo "$got"))"
	grep -qx -- --memory <<<"$got"
	grep -qx -- -e <<<"$got"
}

@test "completion: bash completes container names after rbox stop, exec, network connect NET" {
	rbox create --name web-1 busybox true >/dev/null
	rbox create --name db-2 busybox true >/dev/null
	[ "$(cands stop "")" = "db-2 web-1" ]
	[ "$(cands stop w)" = "web-1" ]
	[ "$(cands container rm d)" = "db-2" ]
	[ "$(cands stop -t 3 w)" = "web-1" ]
	[ "$(cands exec -it w)" = "web-1" ]
	# exec CONTAINER COMMAND: the command is not a container
	[ "$(cands exec web-1 w)" = "" ]
	[ "$(cands network connect rbox w)" = "web-1" ]
	[ "$(cands network connect w)" = "" ]
}

@test "completion: bash completes network names after --network, volume names, image references" {
	rbox network create front-net >/dev/null
	rbox volume create vol-a >/dev/null
	rbox create --name c1 busybox true >/dev/null
	[ "$(cands run --network "")" = "front-net rbox" ]
	[ "$(cands run -d --network f)" = "front-net" ]
	# --network=VALUE, as bash splits it
	[ "$(cands run --network = f)" = "front-net" ]
	[ "$(cands network rm f)" = "front-net" ]
	[ "$(cands network connect f)" = "front-net" ]
	[ "$(cands volume rm "")" = "vol-a" ]
	[ "$(cands run -v v)" = "vol-a" ]
	[ "$(cands rmi bu)" = "busybox:latest" ]
	[ "$(cands run -d --rm bu)" = "busybox:latest" ]
	# NAME:TAG, as bash splits it at ":": the reply is the part after it
	[ "$(cands run busybox : l)" = "latest" ]
	# run IMAGE COMMAND: the command is not an image
	[ "$(cands run busybox bu)" = "" ]
	rbox network rm front-net >/dev/null
	rbox volume rm vol-a >/dev/null
}

@test "completion: zsh and fish scripts parse, and complete commands and names in those shells" {
	requires cmd:zsh cmd:fish
	rbox completion zsh >"$BATS_TEST_TMPDIR/_rbox"
	zsh -n "$BATS_TEST_TMPDIR/_rbox"
	rbox completion fish >"$BATS_TEST_TMPDIR/rbox.fish"
	fish -n "$BATS_TEST_TMPDIR/rbox.fish"
	rbox create --name web-1 busybox true >/dev/null
	# zsh: _rbox with compadd recording what it is given
	run zsh -f -c '
		compdef() { :; }
		source "$1"
		compadd() { [[ $1 == -Q ]] && shift; [[ $1 == -- ]] && shift; print -l -- "$@"; }
		_files() { print FILES; }
		words=("$2" stop w); CURRENT=3; _rbox
		words=("$2" netw); CURRENT=2; _rbox' _ "$BATS_TEST_TMPDIR/_rbox" "$RBOX_BIN"
	[ "$status" -eq 0 ]
	[ "$output" = $'web-1\nnetwork' ]
	# fish: its own completion machinery, rbox found on PATH
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	ln -s "$RBOX_BIN" "$BATS_TEST_TMPDIR/bin/rbox"
	run env PATH="$BATS_TEST_TMPDIR/bin:$PATH" HOME="$BATS_TEST_TMPDIR" fish --no-config -c "
		source $BATS_TEST_TMPDIR/rbox.fish
		complete -C 'rbox stop w'
		complete -C 'rbox netw'"
	[ "$status" -eq 0 ]
	[ "$output" = $'web-1\nnetwork' ]
}

@test "completion: the scripts need no root; an unknown shell is one line and 125" {
	run setpriv --reuid 65534 --regid 65534 --clear-groups "$RBOX_BIN" completion bash
	[ "$status" -eq 0 ]
	[[ "$output" == *"complete -o default -F _rbox rbox"* ]]
	run "$RBOX_BIN" completion tcsh
	[ "$status" -eq 125 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *'"tcsh"'* ]]
	run "$RBOX_BIN" completion
	[ "$status" -eq 125 ]
	[ "${#lines[@]}" -eq 1 ]
}

@test "completion: make install-completion puts the scripts where bash-completion, zsh and fish look" {
	local dest="$BATS_TEST_TMPDIR/dest"
	run make -s -C "$REPO_ROOT" BUILD="$RBOX_BUILD" DESTDIR="$dest" PREFIX=/usr install-completion
	[ "$status" -eq 0 ] || fail "$output"
	cmp "$dest/usr/share/bash-completion/completions/rbox" <(rbox completion bash)
	cmp "$dest/usr/share/zsh/site-functions/_rbox" <(rbox completion zsh)
	cmp "$dest/usr/share/fish/vendor_completions.d/rbox.fish" <(rbox completion fish)
}
