#!/usr/bin/env bats
# process.apparmorProfile / process.selinuxLabel: ignored where the host has no such module,
# AppArmor applied where it has (checked in a throwaway VM, tests/vm/vm-run: its Debian kernel
# enables AppArmor).

load ../helpers

@test "lsm: on a host without AppArmor or SELinux the labels are parsed and ignored" {
	[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ] || skip "AppArmor is enabled here"
	[ ! -e /sys/fs/selinux/enforce ] || skip "SELinux is enabled here"
	update_config '.process.apparmorProfile = "rbox-no-such-profile" | .process.selinuxLabel = "system_u:system_r:container_t:s0"'
	set_args echo ran
	run "$RUNTIME_BIN" --debug --root "$STATE_ROOT" run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_line "ran"
	assert_line --partial "debug: process.selinuxLabel ignored: SELinux is not enabled on this host"
	assert_line --partial "debug: process.apparmorProfile ignored: AppArmor is not enabled on this host"
}

@test "lsm: on an AppArmor host the profile applies at exec; a profile not loaded is an error" {
	requires vm
	# The VM sees the host's / read-only, but a fresh /tmp, and shares only the test's own
	# directory: the runtime and the rootfs go there (the repository may live under /tmp).
	cp "$RUNTIME_BIN" "$BATS_TEST_TMPDIR/rbox-runtime"
	private_rootfs
	set_args sh -c 'cat /proc/self/attr/apparmor/current'
	update_config '.process.apparmorProfile = "unconfined" | del(.linux.cgroupsPath)'
	jq '.process.apparmorProfile = "rbox-no-such-profile"' "$BUNDLE/config.json" >"$BATS_TEST_TMPDIR/missing.json"
	run "$VM_RUN" --timeout 300 --share "$BATS_TEST_TMPDIR" -- sh -c '
		[ "$(cat /sys/module/apparmor/parameters/enabled)" = Y ] || { echo "no apparmor in the VM"; exit 3; }
		"$1" --root /tmp/state run -b "$2" ok; echo "rc=$?"
		cp "$3" "$2/config.json"
		"$1" --root /tmp/state run -b "$2" missing; echo "rc=$?"
		ls -A /tmp/state' _ "$BATS_TEST_TMPDIR/rbox-runtime" "$BUNDLE" "$BATS_TEST_TMPDIR/missing.json" 3>&-
	assert_success
	assert_output "unconfined
rc=0
rbox-runtime: process.apparmorProfile \"rbox-no-such-profile\" (is the profile loaded?): No such file or directory
rc=1"
}
