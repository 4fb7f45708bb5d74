#!/usr/bin/env bats
# --format: the Go-template evaluator (manager/rbox/format) alone through tests/helpers/
# tmpl-check (a table of cases: template, what Go's text/template with docker's functions
# prints), then through the real commands.

load helpers

TMPL_CHECK="$RBOX_BUILD/test/tmpl-check"

# the document of the table's cases
DOC='{"ID":"0123456789abcdef","Name":"/web","State":{"Status":"running","Running":true,"Paused":false,"Pid":42,"ExitCode":0,"Error":""},"Config":{"Env":["PATH=/bin","A=1"],"Cmd":["sleep","100"],"Labels":{"b":"2","a":"1","org.x":"y"},"Tty":false},"Mounts":[{"Source":"/s","Destination":"/d"}],"Num":3.5,"Big":1000000.0,"Zero":0,"Neg":-7,"Null":null,"Empty":[],"EmptyMap":{},"Nested":{"A":{"B":{"C":"deep"}}},"Ports":{"80/tcp":[{"HostPort":"8080"}]}}'

# Run every case of a table on stdin: TEMPLATE<TAB>EXPECTED per line. An expected text that
# starts with "template: " is the error line (exit 1, nothing on stdout). Reports every
# mismatch, fails if any, and prints the number of cases to fd 3 for the count check.
run_table() {
	local t want out err rc bad=0 n=0
	while IFS=$'\t' read -r t want; do
		[ -n "$t" ] || continue
		n=$((n + 1))
		err=$(mktemp)
		rc=0
		out=$("$TMPL_CHECK" "$t" "$DOC" 2>"$err") || rc=$?
		if [[ "$want" == "template: "* ]]; then
			if [ "$rc" -ne 1 ] || [ -n "$out" ] || [ "$(cat "$err")" != "$want" ]; then
				echo "case $n: $t: want error [$want], got rc=$rc out=[$out] err=[$(cat "$err")]"
				bad=1
			fi
		elif [ "$rc" -ne 0 ] || [ "$out" != "$want" ]; then
			echo "case $n: $t: want [$want], got rc=$rc [$out] err=[$(cat "$err")]"
			bad=1
		fi
		rm -f "$err"
	done
	echo "$n" >"$BATS_TEST_TMPDIR/count"
	return $bad
}

count_cases() {
	cat "$BATS_TEST_TMPDIR/count"
}

@test "template: field paths, Go's printing of values, json" {
	run_table <<'EOF'
{{.ID}}	0123456789abcdef
{{.State.Status}}	running
{{.State.Pid}}	42
{{.State.Running}}	true
{{.Config.Env}}	[PATH=/bin A=1]
{{.Config.Labels}}	map[a:1 b:2 org.x:y]
{{.Mounts}}	[map[Destination:/d Source:/s]]
{{.Num}}	3.5
{{.Big}}	1e+06
{{.Zero}}	0
{{.Neg}}	-7
{{.Null}}|	|
{{.Empty}}	[]
{{.EmptyMap}}	map[]
{{.Nested.A.B.C}}	deep
{{.Nested}}	map[A:map[B:map[C:deep]]]
{{.Nested.A}}	map[B:map[C:deep]]
{{.Config.Tty}}	false
{{$.ID}}	0123456789abcdef
{{ .Name }}	/web
{{json .Config.Cmd}}	["sleep","100"]
{{json .State}}	{"Status":"running","Running":true,"Paused":false,"Pid":42,"ExitCode":0,"Error":""}
{{json .Null}}	null
{{json .Name}}	"/web"
{{json .Num}}	3.5
{{json "a<b>&"}}	"a<b>&"
{{json .Mounts}}	[{"Source":"/s","Destination":"/d"}]
{{json .EmptyMap}}	{}
{{json (split "a,b" ",")}}	["a","b"]
{{"lit"}}	lit
{{`raw\n`}}	raw\n
{{1.5}}	1.5
{{0x10}}	16
{{'a'}}	97
{{-3}}	-3
{{true}}	true
EOF
	[ "$(count_cases)" -eq 36 ]
}

@test "template: range, if/else, with, variables, trim markers, comments" {
	run_table <<'EOF'
{{range .Config.Env}}[{{.}}]{{end}}	[PATH=/bin][A=1]
{{range $i, $e := .Config.Cmd}}{{$i}}={{$e}};{{end}}	0=sleep;1=100;
{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}	a=1;b=2;org.x=y;
{{range .Empty}}x{{else}}none{{end}}	none
{{range .Null}}x{{else}}nil{{end}}	nil
{{range .Mounts}}{{.Source}}:{{.Destination}}{{end}}	/s:/d
{{range .Config.Cmd}}{{$.Name}}{{end}}	/web/web
{{range $m := .Mounts}}{{$m.Source}}{{end}}	/s
{{range 3}}{{.}}{{end}}	012
{{if .State.Running}}up{{else}}down{{end}}	up
{{if .State.Paused}}p{{else}}np{{end}}	np
{{if .Zero}}a{{else}}b{{end}}	b
{{if .Empty}}a{{else}}b{{end}}	b
{{if .EmptyMap}}a{{else}}b{{end}}	b
{{if .Null}}a{{else}}b{{end}}	b
{{if .State.Error}}a{{else}}b{{end}}	b
{{if .Num}}a{{end}}	a
{{if eq .State.Status "exited"}}x{{else if eq .State.Status "running"}}r{{else}}o{{end}}	r
{{if and .State.Running .Config.Env}}y{{end}}	y
{{if or .Zero .Empty}}y{{else}}n{{end}}	n
{{if not .State.Paused}}y{{end}}	y
{{with .State}}{{.Status}}/{{.Pid}}{{end}}	running/42
{{with .Null}}x{{else}}empty{{end}}	empty
{{with $s := .State}}{{$s.Status}}{{end}}	running
{{$x := .State.Pid}}{{$x}}	42
{{$x := 1}}{{$x = 2}}{{$x}}	2
{{if true}}{{$y := 5}}{{$y}}{{end}}	5
a {{- " b " -}} c	a b c
x  {{- .Name}}	x/web
{{.Name -}}   y	/weby
{{/* a comment */}}ok	ok
{{- /* c */ -}} ok	ok
EOF
	[ "$(count_cases)" -eq 32 ]
}

@test "template: functions (index, join, split, case, len, slice, printf, print, comparisons)" {
	run_table <<'EOF'
{{index .Config.Labels "org.x"}}	y
{{index .Config.Cmd 1}}	100
{{index .Ports "80/tcp" 0 "HostPort"}}	8080
{{(index (index .Ports "80/tcp") 0).HostPort}}	8080
{{index .Config.Labels "nope"}}|	|
{{index "abc" 1}}	98
{{join .Config.Cmd " "}}	sleep 100
{{join .Config.Env ","}}	PATH=/bin,A=1
{{join (split "a:b:c" ":") "-"}}	a-b-c
{{split "a,b" ","}}	[a b]
{{len (split "abc" "")}}	3
{{lower "HeLLo"}}	hello
{{upper .State.Status}}	RUNNING
{{title "hello wide world"}}	Hello Wide World
{{pad "x" 2 3}}|	  x   |
{{truncate "abcdef" 3}}	abc
{{truncate "ab" 5}}	ab
{{len .Config.Env}}	2
{{len .Config.Labels}}	3
{{len .Name}}	4
{{len .Empty}}	0
{{slice "abcdef" 1 3}}	bc
{{slice .Config.Cmd 1}}	[100]
{{len (slice .Config.Env 0 1)}}	1
{{not 0}}	true
{{and 1 0 2}}	0
{{or 0 "" "x"}}	x
{{printf "%s-%d" .State.Status .State.Pid}}	running-42
{{printf "%5d|%-5d|%05d" 42 42 42}}	   42|42   |00042
{{printf "%x %X %o %b" 255 255 8 5}}	ff FF 10 101
{{printf "%.2f %e %g" 3.14159 1234.5 0.000012}}	3.14 1.234500e+03 1.2e-05
{{printf "%q" "a\"b"}}	"a\"b"
{{printf "%v" .Config.Cmd}}	[sleep 100]
{{printf "%v" .Config.Labels}}	map[a:1 b:2 org.x:y]
{{printf "%s" .Config.Env}}	[PATH=/bin A=1]
{{printf "%t" true}}	true
{{printf "%%"}}	%
{{printf "%d"}}	%!d(MISSING)
{{printf "%d" "x"}}	%!d(string=x)
{{printf "%s" 1 2}}	%!s(int=1)%!(EXTRA int=2)
{{printf "%10s|" "hi"}}	        hi|
{{printf "%-6s|" "hi"}}	hi    |
{{printf "%.3s" "abcdef"}}	abc
{{printf "%.2s" "héllo"}}	hé
{{printf "%x" "hi"}}	6869
{{printf "%c" 65}}	A
{{printf "%+d" 5}}	+5
{{printf "%x" -255}}	-ff
{{printf "%6.2f|" .Num}}	  3.50|
{{printf "%v %v" .Num .Big}}	3.5 1e+06
{{printf "%d|%d" 4.0 2e55}}	4|%!d(float64=2e+55)
{{.ID | printf "%.6s"}}	012345
{{.State.Status | upper | printf "<%s>"}}	<RUNNING>
{{.Config.Cmd | len}}	2
{{"x" | printf "%s%s" "y"}}	yx
{{print "a" "b" 1 2 "c"}}	ab1 2c
{{print .Null}}	<nil>
{{eq 1 1}}	true
{{eq .State.Pid 42}}	true
{{eq "a" "b" "a"}}	true
{{ne .State.Status "running"}}	false
{{lt 1 2}}	true
{{le 2 2}}	true
{{gt .Num 3}}	true
{{ge "b" "a"}}	true
EOF
	[ "$(count_cases)" -eq 65 ]
}

@test "template: errors are Go's one line (parse: the line; execution: line:column and the node)" {
	run_table <<'EOF'
{{.Nope}}	template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"
{{.State.Nope}}	template: :1:8: executing "" at <.State.Nope>: map has no entry for key "Nope"
{{ .Nope }}	template: :1:3: executing "" at <.Nope>: map has no entry for key "Nope"
{{.Config.Labels.Nope.X}}	template: :1:9: executing "" at <.Config.Labels.Nope....>: map has no entry for key "Nope"
{{.State.Status.X}}	template: :1:8: executing "" at <.State.Status.X>: can't evaluate field X in type string
{{.Null.X}}	template: :1:7: executing "" at <.Null.X>: nil pointer evaluating interface {}.X
{{range .Config.Env}}{{.Nope}}{{end}}	template: :1:23: executing "" at <.Nope>: can't evaluate field Nope in type string
{{index .Config.Cmd 5}}	template: :1:2: executing "" at <index .Config.Cmd 5>: error calling index: index out of range: 5
{{join .Config.Cmd}}	template: :1:2: executing "" at <join>: wrong number of args for join: want 2 got 1
{{range .Name}}{{end}}	template: :1:8: executing "" at <.Name>: range can't iterate over /web
{{.Foo}	template: :1: unexpected "}" in operand
{{.Foo	template: :1: unclosed action
{{if .X}}	template: :1: unexpected EOF
{{end}}	template: :1: unexpected {{end}}
{{else}}	template: :1: unexpected {{else}}
{{nope .X}}	template: :1: function "nope" not defined
{{$x}}	template: :1: undefined variable "$x"
{{"abc}}	template: :1: unterminated quoted string
{{range}}{{end}}	template: :1: missing value for range
{{if}}{{end}}	template: :1: missing value for if
{{.Name | "x"}}	template: :1: non executable command in pipeline stage 2
{{(.Name}}	template: :1: unclosed left paren
{{.Name)}}	template: :1: unexpected right paren U+0029 ')'
{{1x}}	template: :1: bad number syntax: "1x"
{{/* x }}	template: :1: unclosed comment
EOF
	[ "$(count_cases)" -eq 25 ]
}

@test "template: newlines (println, multi-line templates and their error positions)" {
	run "$TMPL_CHECK" '{{println "a" 1}}{{range .Config.Cmd}}{{println .}}{{end}}' "$DOC"
	assert_success
	assert_output $'a 1\nsleep\n100'
	run "$TMPL_CHECK" $'line one\n  {{.Nope}}' "$DOC"
	assert_failure 1
	assert_output 'template: :2:4: executing "" at <.Nope>: map has no entry for key "Nope"'
	run "$TMPL_CHECK" $'ok\n{{if}}' "$DOC"
	assert_output 'template: :2: missing value for if'
	run "$TMPL_CHECK" '{{json "tab	x\ny"}}' "$DOC"
	assert_output '"tab\tx\ny"'
}

@test "template: no input crashes it or runs away (depth, work and output are bounded)" {
	local deep
	deep=$(printf '{{if 1}}%.0s' $(seq 100))
	run "$TMPL_CHECK" "$deep" "$DOC"
	assert_failure 1
	assert_output 'template: :1: nesting deeper than 64'
	deep=$(printf '(%.0s' $(seq 100000))
	run "$TMPL_CHECK" "{{$deep" "$DOC"
	assert_failure 1
	assert_equal "${#lines[@]}" 1
	run "$TMPL_CHECK" '{{range 100000000}}{{end}}' "$DOC"
	assert_failure 1
	assert_output --partial 'steps: stopped'
	run "$TMPL_CHECK" '{{range 10000}}{{range 10000}}xxxxxxxxxx{{end}}{{end}}' "$DOC"
	assert_failure 1
	assert_equal "${#lines[@]}" 1
	run "$TMPL_CHECK" '{{pad "x" 100000000000 0}}' "$DOC"
	assert_failure 1
	run "$TMPL_CHECK" '{{printf "%99999999d" 1}}' "$DOC"
	assert_success
	assert_output '%!(BADWIDTH)1'
	# a deep document prints within the bound or fails in one line
	local nested
	nested="$(printf '[%.0s' $(seq 200))$(printf ']%.0s' $(seq 200))"
	run "$TMPL_CHECK" '{{.}}' "$nested"
	assert_failure 1
	assert_output --partial 'value nested deeper than 64 levels'
	run "$TMPL_CHECK" "$(head -c 70000 /dev/zero | tr '\0' x)" "$DOC"
	assert_failure 1
	assert_output 'template: longer than 65536 bytes'
}

@test "format: table TEMPLATE: docker's titles, columns aligned as tabwriter (min 10, padding 3)" {
	run "$TMPL_CHECK" --format 'table {{.ID}}\t{{.Names}}' '{"ID":"abc","Names":"x"}' '{"ID":"abcdef","Names":"yy"}'
	assert_success
	assert_line --index 0 'CONTAINER ID   NAMES'
	assert_line --index 1 'abc            x'
	assert_line --index 2 'abcdef         yy'
	run "$TMPL_CHECK" --format 'table {{.Names}}\t{{.ID}}' '{"ID":"abc","Names":"x"}'
	assert_line --index 0 'NAMES     CONTAINER ID'
	assert_line --index 1 'x         abc'
	# a field without a title: its name in upper case; printf applies to the title too
	run "$TMPL_CHECK" --format 'table {{.Foo}}\t{{.ID | printf "%.4s"}}' '{"Foo":"1","ID":"abcdef"}'
	assert_line --index 0 'FOO       CONT'
	assert_line --index 1 '1         abcd'
	# no rows: the header alone
	run "$TMPL_CHECK" --format 'table {{.Names}}'
	assert_output 'NAMES'
	# without the prefix: one line per document, \t and \n as docker reads them
	run "$TMPL_CHECK" --format '{{.ID}}\t{{.Names}}' '{"ID":"a","Names":"x"}'
	assert_output $'a\tx'
	run "$TMPL_CHECK" --format json
	assert_output '(json)'
	run "$TMPL_CHECK" --format table
	assert_output '(default)'
}

# ---- through the commands ----

@test "ps --format: templates over ps's JSON rows, table TEMPLATE, errors leave nothing" {
	rbox create --name fa busybox true >/dev/null
	rbox run -d --name fb busybox sleep 1000 >/dev/null
	run rbox ps --format '{{.Names}}'
	assert_success
	assert_output fb
	run rbox ps -a --format '{{.Names}} {{.State}} {{len .ID}}'
	assert_line --index 0 'fb running 12'
	assert_line --index 1 'fa created 12'
	run rbox ps -a --no-trunc --format '{{.ID}}'
	assert_line --index 0 "$(ctr_id fb)"
	run rbox ps -a --format 'table {{.ID}}\t{{.Image}}\t{{.Names}}'
	assert_success
	assert_line --index 0 --regexp '^CONTAINER ID   IMAGE     NAMES$'
	assert_line --index 1 --regexp '^[0-9a-f]{12}   busybox   fb$'
	assert_equal "${#lines[@]}" 3
	run rbox ps --format '{{.Status}} {{.RunningFor}}'
	assert_output --regexp '^Up .* ago$'
	# json as before, and {{json .}} is the same object
	run rbox ps --format json
	assert_equal "$(jq -r .Names <<<"$output")" fb
	assert_equal "$(rbox ps --format '{{json .}}' | jq -r .Names)" fb
	run -125 rbox ps -a --format '{{.Nope}}'
	assert_output 'rbox: template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"'
	run -125 rbox ps -a --format '{{.Names'
	assert_output 'rbox: template: :1: unclosed action'
}

@test "inspect -f: Go templates over inspect's object, one line per container" {
	rbox create --name ia -e FOO=bar busybox sleep 5 >/dev/null
	run rbox inspect -f '{{.State.Status}}' ia
	assert_success
	assert_output created
	run rbox inspect --format '{{.Name}} {{json .Config.Cmd}} {{range .Config.Env}}{{if eq . "FOO=bar"}}{{.}}{{end}}{{end}}' ia
	assert_output '/ia ["sleep","5"] FOO=bar'
	# inspect leaves \n to the template's strings, as docker's inspect
	run rbox inspect -f '{{range .Config.Cmd}}{{.}}{{"\n"}}{{end}}' ia
	assert_output $'sleep\n5'
	run rbox inspect -f '{{.Id}}' ia ia
	assert_equal "${#lines[@]}" 2
	assert_equal "${lines[0]}" "$(ctr_id ia)"
	run rbox inspect -f json ia
	assert_equal "$(jq -r '.[0].Name' <<<"$output")" /ia
	# an unknown field: docker's words, exit 125, nothing on stdout
	run --separate-stderr -125 rbox inspect -f '{{.State.Nope}}' ia
	assert_output ''
	assert_equal "$stderr" 'rbox: template: :1:8: executing "" at <.State.Nope>: map has no entry for key "Nope"'
	run --separate-stderr -125 rbox inspect -f '{{if}}' ia
	assert_output ''
	assert_equal "$stderr" 'rbox: template: :1: missing value for if'
	# a missing container still prints the others
	run rbox inspect -f '{{.Name}}' ia nosuch
	assert_failure 125
	assert_line '/ia'
	assert_line 'rbox: no such container: nosuch'
}

@test "images, image inspect, volume ls/inspect, stats: --format with templates and tables" {
	rbox create --name sa busybox sleep 5 >/dev/null
	run rbox images --format '{{.Repository}}:{{.Tag}}'
	assert_success
	assert_output busybox:latest
	run rbox images --format 'table {{.Repository}}\t{{.Tag}}'
	assert_line --index 0 'REPOSITORY   TAG'
	assert_line --index 1 'busybox      latest'
	run rbox images --format json
	assert_equal "$(jq -r .Repository <<<"$output")" busybox
	run rbox image inspect -f '{{index .RepoTags 0}} {{.RootFS.Type}}' busybox
	assert_output 'busybox:latest layers'
	rbox volume create fv >/dev/null
	run rbox volume ls --format '{{.Name}} {{.Driver}}'
	assert_output 'fv local'
	run rbox volume ls --format 'table {{.Name}}\t{{.Driver}}'
	assert_line --index 0 'VOLUME NAME   DRIVER'
	assert_line --index 1 'fv            local'
	run rbox volume inspect -f '{{.Mountpoint}}' fv
	assert_output "$RBOX_ROOT/volumes/fv/_data"
	run rbox stats --no-stream -a --format '{{.Name}} {{.CPUPerc}} {{.PIDs}}'
	assert_output 'sa 0.00% 0'
	run rbox stats --no-stream -a --format 'table {{.Name}}\t{{.MemUsage}}'
	assert_line --index 0 --regexp '^NAME      MEM USAGE / LIMIT$'
	run -125 rbox volume inspect -f '{{.Nope}}' fv
	assert_output 'rbox: template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"'
	run -125 rbox images --format '{{range}}'
	assert_output 'rbox: template: :1: missing value for range'
	rbox volume rm fv >/dev/null
}
