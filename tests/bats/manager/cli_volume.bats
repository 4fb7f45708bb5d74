#!/usr/bin/env bats
# rbox volume ls --filter and volume create --label, as docker's.

load helpers

@test "volume create --label: the labels show in inspect" {
	run rbox volume create -l a=1 --label b va
	assert_success
	assert_output va
	run rbox volume inspect -f '{{json .Labels}}' va
	assert_output '{"a":"1","b":""}'
	run rbox volume create -l '' vx
	assert_failure 125
	assert_output --partial 'invalid value "" for --label'
	run rbox volume ls -q
	assert_output va
}

@test "volume ls --filter name, label, dangling, driver" {
	rbox volume create -l a=1 -l b=2 va >/dev/null
	rbox volume create -l a=2 vb >/dev/null
	rbox volume create other >/dev/null
	rbox create --name user -v vb:/x busybox true >/dev/null
	run rbox volume ls -q -f name=v
	assert_output $'va\nvb'
	run rbox volume ls -q -f name='^o'
	assert_output other
	run rbox volume ls -q -f name=va -f name=other
	assert_output $'other\nva'
	run rbox volume ls -q -f label=a
	assert_output $'va\nvb'
	run rbox volume ls -q -f label=a=2
	assert_output vb
	# every label value must hold
	run rbox volume ls -q -f label=a=1 -f label=b=2
	assert_output va
	run rbox volume ls -q -f label=a=2 -f label=b=2
	assert_output ""
	run rbox volume ls -q -f dangling=true
	assert_output $'other\nva'
	run rbox volume ls -q -f dangling=false
	assert_output vb
	# keys ANDed
	run rbox volume ls -q -f dangling=true -f label=a
	assert_output va
	run rbox volume ls -q -f driver=local
	assert_output $'other\nva\nvb'
	run rbox volume ls -f dangling=false
	assert_output $'DRIVER    VOLUME NAME\nlocal     vb'
	run rbox volume ls -f label=a --format '{{.Name}} {{.Labels}}'
	assert_output $'va map[a:1 b:2]\nvb map[a:2]'
}

@test "volume ls: a bad filter is one error line" {
	for bad in "nope=1" "dangling=maybe" "label=" "name"; do
		run rbox volume ls -f "$bad"
		assert_failure 125
		assert_output --regexp "^rbox: invalid filter \"${bad%%=*}.*"
		[ "${#lines[@]}" -eq 1 ]
	done
	run rbox volume ls --help
	assert_output --partial 'dangling=true|false'
}

@test "volume prune -f: removes the volumes no container uses" {
	rbox volume create keep >/dev/null
	rbox volume create gone >/dev/null
	rbox create --name user -v keep:/x busybox true >/dev/null
	run rbox volume prune -f
	assert_success
	assert_output $'Deleted Volumes:\ngone'
	run rbox volume ls -q
	assert_output keep
}
