#!/usr/bin/env bats
# config_parse.bats - the config.json parser (runtime/config*.c) and spec/config-schema.json.
#
# The parser is driven without the runtime around it by a small helper program,
# tests/helpers/config-check.c, which `make` builds into $RBOX_BUILD/test/. Bad configs are jq
# edits of one valid base config, listed in BAD_CONFIGS with the exact one-line error expected.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

ROOT="$(cd "$BATS_TEST_DIRNAME/../../.." && pwd)"
RBOX_BUILD="${RBOX_BUILD:-build}"
case "$RBOX_BUILD" in /*) ;; *) RBOX_BUILD="$ROOT/$RBOX_BUILD" ;; esac
CONFIG_CHECK="$RBOX_BUILD/test/config-check"
PYTHON=/usr/bin/python3 # Debian's, with python3-jsonschema (not a pyenv shim)
VALIDATE="$ROOT/tools/validate-config.py"

# One line per malformed config:
#     S|- | <jq edit of the base config> => <expected error after "config.json: ">
# S: spec/config-schema.json rejects it too. -: JSON Schema cannot express the rule.
# "@RAW:text@" in an edit is pasted into the JSON unquoted (jq 1.6 would round big numbers).
BAD_CONFIGS=$(
    cat <<'EOF'
S | .ociVersion = "2.0.0" => ociVersion: unsupported version "2.0.0" (rbox-runtime supports 1.x: 1.0.0 to 1.3.0 and later 1.x.y)
S | del(.ociVersion) => ociVersion: missing
S | .ociVersion = 1 => ociVersion: expected a string
S | del(.root) => root: missing
S | .root.path = "" => root.path: must not be empty
S | .root.readonly = "yes" => root.readonly: expected a boolean
S | .mounts[1].destination = "dev" => mounts[1].destination: must be an absolute path
S | del(.mounts[0].destination) => mounts[0].destination: missing
S | .mounts[2].options = "rw" => mounts[2].options: expected an array of strings
S | .mounts[1].options += [""] => mounts[1].options[4]: must not be empty
S | .mounts[3].options += ["idmap"] => mounts[3].uidMappings: missing (the "idmap" option needs uid and gid mappings)
S | .mounts[3].uidMappings = [{"containerID": 0, "hostID": 1000, "size": 1}] => mounts[3].gidMappings: missing (uidMappings and gidMappings go together)
S | .process = "sh" => process: expected an object
S | del(.process) => process: missing
S | .process.args = [] => process.args: must not be empty
S | .process.args[1] = 7 => process.args[1]: expected a string
S | .process.args = ["a","b","c","d","e","f","g","h","i","j","k","l",7] => process.args[12]: expected a string
S | .process.env = [range(0; 105) | "A\(.)=1"] + ["B"] => process.env[105]: expected KEY=VALUE, got "B"
S | del(.process.cwd) => process.cwd: missing
S | .process.cwd = "tmp" => process.cwd: must be an absolute path
S | .process.env[1] = "FOO" => process.env[1]: expected KEY=VALUE, got "FOO"
S | .process.env[0] = "=x" => process.env[0]: expected KEY=VALUE, got "=x"
S | .process.terminal = 1 => process.terminal: expected a boolean
S | .process.capabilities.bounding[3] = "CAP_FOO" => process.capabilities.bounding[3]: unknown capability "CAP_FOO"
S | .process.capabilities.effective[0] = "chown" => process.capabilities.effective[0]: unknown capability "chown"
S | .process.user.uid = -1 => process.user.uid: expected a non-negative integer
S | .process.user.uid = 4294967295 => process.user.uid: must be at most 4294967294
S | del(.process.user.gid) => process.user.gid: missing
S | .process.user.umask = 512 => process.user.umask: must be at most 511
S | .process.user.additionalGids = [1, "2"] => process.user.additionalGids[1]: expected a non-negative integer
S | .process.rlimits[0].type = "RLIMIT_FOO" => process.rlimits[0].type: unknown rlimit "RLIMIT_FOO"
- | .process.rlimits[0].soft = 20 | .process.rlimits[0].hard = 10 => process.rlimits[0]: soft limit 20 is above hard limit 10
- | .process.rlimits[1].type = "RLIMIT_NOFILE" => process.rlimits[1].type: duplicate rlimit "RLIMIT_NOFILE"
S | .process.rlimits[0].hard = "@RAW:18446744073709551616@" => process.rlimits[0].hard: 18446744073709551616 is out of range (the largest value is 18446744073709551615)
S | .process.oomScoreAdj = 1001 => process.oomScoreAdj: must be between -1000 and 1000
S | .process.oomScoreAdj = 1.5 => process.oomScoreAdj: expected an integer
S | .process.ioPriority.class = "IOPRIO_CLASS_NONE" => process.ioPriority.class: unknown I/O priority class "IOPRIO_CLASS_NONE"
S | .process.scheduler.policy = "SCHED_FOO" => process.scheduler.policy: unknown scheduling policy "SCHED_FOO"
S | .process.scheduler.nice = -21 => process.scheduler.nice: must be between -20 and 19
S | .process.execCPUAffinity.final = "0-" => process.execCPUAffinity.final: invalid cpu list "0-"
- | .process.execCPUAffinity.initial = "3-1" => process.execCPUAffinity.initial: invalid cpu list "3-1"
S | del(.linux.namespaces[3]) => hostname: requires a uts namespace (add {"type":"uts"} to linux.namespaces)
S | del(.hostname) | .domainname = "example.org" | del(.linux.namespaces[3]) => domainname: requires a uts namespace (add {"type":"uts"} to linux.namespaces)
S | .linux.memoryPolicy = {"mode": "MPOL_BIND"} => linux.memoryPolicy.nodes: missing (MPOL_BIND needs nodes)
S | .linux.memoryPolicy = {"mode": "MPOL_LOCAL", "nodes": "0"} => linux.memoryPolicy.nodes: must be empty for MPOL_LOCAL
S | .linux.memoryPolicy = {"mode": "MPOL_X"} => linux.memoryPolicy.mode: unknown memory policy mode "MPOL_X"
S | .linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES"]} => linux.memoryPolicy.flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other
S | .linux.netDevices = {"eth0": {"name": "a b"}} => linux.netDevices.eth0.name: invalid interface name "a b" (1 to 15 characters, no '/', ':' or space)
S | .linux.netDevices = {"eth0": {}} | del(.linux.namespaces[1]) | del(.linux.sysctl) => linux.netDevices: requires a network namespace (add {"type":"network"} to linux.namespaces)
S | .linux.intelRdt.schemata = "x" => linux.intelRdt.schemata: expected an array of strings
S | .hooks.prestart[0].path = "true" => hooks.prestart[0].path: must be an absolute path
S | .hooks.poststop[0].timeout = 0 => hooks.poststop[0].timeout: must be at least 1
S | .hooks.prestart[0].env = ["A"] => hooks.prestart[0].env[0]: expected KEY=VALUE, got "A"
S | .annotations["org.example.n"] = 1 => annotations["org.example.n"]: expected a string
S | .linux = [] => linux: expected an object
S | .linux.namespaces[2].type = "pids" => linux.namespaces[2].type: unknown namespace "pids"
- | .linux.namespaces += [{"type": "pid"}] => linux.namespaces[6].type: duplicate namespace "pid"
S | .linux.namespaces[0].path = "proc/1/ns/pid" => linux.namespaces[0].path: must be an absolute path
S | .linux.uidMappings = [{"containerID": 0, "hostID": 1000, "size": 1}] => linux.uidMappings: requires a user namespace
S | .linux.namespaces += [{"type": "user"}] => linux.uidMappings: missing (a new user namespace needs uid and gid mappings)
S | .linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 0}] => linux.uidMappings[0].size: must be between 1 and 4294967295
S | .linux.devices[0].type = "x" => linux.devices[0].type: unknown device type "x" (expected c, b, u or p)
S | del(.linux.devices[0].major) => linux.devices[0].major: missing
S | .linux.resources.memory.limit = "64m" => linux.resources.memory.limit: expected an integer
S | .linux.resources.memory.swap = -2 => linux.resources.memory.swap: must be at least -1
S | .linux.resources.memory.swappiness = 101 => linux.resources.memory.swappiness: must be at most 100
S | .linux.resources.cpu.cpus = "0-3,a" => linux.resources.cpu.cpus: invalid cpu list "0-3,a"
- | .linux.resources.pids.limit = "@RAW:1e3@" => linux.resources.pids.limit: expected an integer
S | .linux.resources.devices[1].access = "rwx" => linux.resources.devices[1].access: invalid access "rwx" (expected a subset of "rwm")
S | del(.linux.resources.devices[0].allow) => linux.resources.devices[0].allow: missing
S | .linux.resources.blockIO.weight = 5 => linux.resources.blockIO.weight: must be between 10 and 1000
S | .linux.resources.hugepageLimits[0].pageSize = "2M" => linux.resources.hugepageLimits[0].pageSize: invalid page size "2M" (expected e.g. "2MB")
S | .linux.resources.unified = {"../escape": "1"} => linux.resources.unified: invalid key "../escape"
S | .linux.sysctl["vm.swappiness"] = "10" => linux.sysctl: "vm.swappiness" is not namespaced and cannot be set in a container
S | del(.linux.namespaces[1]) => linux.sysctl: "net.ipv4.ip_forward" requires a network namespace
S | .linux.namespaces[2].path = "/proc/1/ns/ipc" => linux.sysctl: "kernel.shmmax" requires a new ipc namespace
S | .linux.sysctl["kernel.hostname"] = "x" | .linux.namespaces[3].path = "/proc/1/ns/uts" | del(.hostname) => linux.sysctl: "kernel.hostname" requires a new uts namespace
S | .linux.sysctl["kernel.shmmax"] = 1 => linux.sysctl["kernel.shmmax"]: expected a string
S | .linux.sysctl["net./../x"] = "1" => linux.sysctl: invalid key "net./../x"
S | del(.linux.seccomp.defaultAction) => linux.seccomp.defaultAction: missing
S | .linux.seccomp.defaultAction = "SCMP_ACT_FOO" => linux.seccomp.defaultAction: unknown action "SCMP_ACT_FOO"
S | .linux.seccomp.architectures[1] = "SCMP_ARCH_Z80" => linux.seccomp.architectures[1]: unknown architecture "SCMP_ARCH_Z80"
S | .linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_FOO"] => linux.seccomp.flags[0]: unknown seccomp flag "SECCOMP_FILTER_FLAG_FOO"
S | .linux.seccomp.syscalls[0].names = [] => linux.seccomp.syscalls[0].names: must not be empty
S | .linux.seccomp.syscalls[1].args[0].index = 6 => linux.seccomp.syscalls[1].args[0].index: must be at most 5
S | .linux.seccomp.syscalls[1].args[0].op = "SCMP_CMP_FOO" => linux.seccomp.syscalls[1].args[0].op: unknown operator "SCMP_CMP_FOO"
S | .linux.seccomp.syscalls[0].action = "SCMP_ACT_NOTIFY" => linux.seccomp.listenerPath: missing (SCMP_ACT_NOTIFY needs a listener socket)
S | .linux.rootfsPropagation = "recursive" => linux.rootfsPropagation: unknown propagation "recursive"
S | .linux.maskedPaths[0] = "proc/kcore" => linux.maskedPaths[0]: must be an absolute path
S | .linux.personality = {"domain": "LINUX64"} => linux.personality.domain: unknown personality domain "LINUX64"
S | .linux.personality = {"domain": "LINUX", "flags": ["NO_SUCH_FLAG"]} => linux.personality.flags[0]: unknown personality flag "NO_SUCH_FLAG"
S | .linux.timeOffsets = {"monotonic": {"secs": 10}} => linux.timeOffsets: requires a new time namespace
S | .linux.namespaces += [{"type": "time"}] | .linux.timeOffsets = {"boottime": {"nanosecs": 1000000000}} => linux.timeOffsets.boottime.nanosecs: must be at most 999999999
EOF
)

# Valid edits of the base config: both the parser and the schema accept them.
GOOD_CONFIGS=$(
    cat <<'EOF'
.linux.namespaces[1].path = "/run/netns/cni-1234"
.linux.sysctl = {"net/ipv4/conf/eth0.1/forwarding": "1", "kernel/shmmax": "1", "fs.mqueue.msg_max": "10"}
.linux.sysctl["kernel.domainname"] = "example.org"
.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
.linux.namespaces += [{"type": "user", "path": "/proc/1/ns/user"}]
.mounts[3].options += ["ridmap"] | .mounts[3].uidMappings = [{"containerID": 0, "hostID": 1, "size": 1}] | .mounts[3].gidMappings = [{"containerID": 0, "hostID": 1, "size": 1}]
.linux.namespaces += [{"type": "time"}] | .linux.timeOffsets = {"monotonic": {"secs": -5, "nanosecs": 5}, "boottime": {"secs": 1}}
.linux.seccomp.syscalls[0].action = "SCMP_ACT_NOTIFY" | .linux.seccomp.listenerPath = "/run/seccomp.sock"
.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG"]
.process.capabilities = {} | .process.env = [] | .process.rlimits = []
.process.scheduler = {"policy": "SCHED_DEADLINE", "flags": ["SCHED_FLAG_RECLAIM"], "runtime": 10000, "deadline": 20000, "period": 20000}
.hostname = "" | del(.linux.namespaces[3])
.linux.namespaces[3].path = "/proc/1/ns/uts" | .domainname = "example.org"
del(.linux) | del(.hostname)
.linux.devices[1].major = 1 | .linux.resources.devices[0].major = -1 | .linux.resources.cpu.cpus = ""
.linux.intelRdt = {"closID": "guaranteed_group"} | .linux.personality.flags = ["ADDR_NO_RANDOMIZE"]
.annotations = {"a": "b", "c d": "e"} | .process.user.username = "bob"
.ociVersion = "1.3.0" | .linux.memoryPolicy = {"mode": "MPOL_PREFERRED"} | .linux.netDevices = {"eth1": {"name": "net0"}, "eth2": {}}
.linux.memoryPolicy = {"mode": "MPOL_WEIGHTED_INTERLEAVE", "nodes": "0-1", "flags": ["MPOL_F_STATIC_NODES"]} | .linux.intelRdt = {"schemata": ["L3:0=ff"], "enableMonitoring": true}
.linux.memoryPolicy = {"mode": "MPOL_LOCAL", "nodes": ""}
.root = {"path": "/"} | .ociVersion = "1.0.0-rc5"
EOF
)

# A valid config using most of what the parser knows (no integers beyond 2^53: jq 1.6).
write_base() {
    cat <<'EOF'
{
  "ociVersion": "1.2.0",
  "root": { "path": "rootfs", "readonly": true },
  "hostname": "rbox",
  "mounts": [
    { "destination": "/proc", "type": "proc", "source": "proc" },
    { "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
      "options": ["nosuid", "strictatime", "mode=755", "size=65536k"] },
    { "destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
      "options": ["rw", "rprivate", "nosuid", "nodev", "tmpcopyup"] },
    { "destination": "/data", "type": "bind", "source": "/srv/data",
      "options": ["rbind", "rro", "rnosuid", "rnoatime"] }
  ],
  "process": {
    "terminal": false,
    "consoleSize": { "height": 25, "width": 80 },
    "user": { "uid": 1000, "gid": 1000, "umask": 18, "additionalGids": [10, 20] },
    "args": ["sh", "-c", "true"],
    "env": ["PATH=/usr/bin:/bin", "TERM=xterm", "EMPTY="],
    "cwd": "/",
    "capabilities": {
      "bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID"],
      "effective": ["CAP_CHOWN", "CAP_KILL"],
      "permitted": ["CAP_CHOWN", "CAP_KILL"],
      "ambient": []
    },
    "rlimits": [
      { "type": "RLIMIT_NOFILE", "soft": 1024, "hard": 4096 },
      { "type": "RLIMIT_CORE", "soft": 0, "hard": 0 }
    ],
    "noNewPrivileges": true,
    "oomScoreAdj": 100,
    "ioPriority": { "class": "IOPRIO_CLASS_BE", "priority": 4 },
    "scheduler": { "policy": "SCHED_OTHER", "nice": 5 },
    "execCPUAffinity": { "initial": "0-1", "final": "0-3,5" }
  },
  "hooks": {
    "prestart": [{ "path": "/usr/bin/true", "args": ["true"], "env": ["A=1"], "timeout": 5 }],
    "poststop": [{ "path": "/bin/echo", "timeout": 1 }]
  },
  "annotations": { "org.example.key": "value" },
  "linux": {
    "namespaces": [
      { "type": "pid" }, { "type": "network" }, { "type": "ipc" },
      { "type": "uts" }, { "type": "mount" }, { "type": "cgroup" }
    ],
    "devices": [
      { "type": "c", "path": "/dev/fuse", "major": 10, "minor": 229, "fileMode": 8630,
        "uid": 0, "gid": 0 },
      { "type": "p", "path": "/dev/fifo" }
    ],
    "cgroupsPath": "/rbox/test",
    "resources": {
      "devices": [
        { "allow": false, "access": "rwm" },
        { "allow": true, "type": "c", "major": 1, "minor": 3, "access": "rw" }
      ],
      "memory": { "limit": 67108864, "swap": -1, "swappiness": 60 },
      "cpu": { "shares": 1024, "quota": 50000, "period": 100000, "cpus": "0-1", "mems": "0" },
      "pids": { "limit": 100 },
      "blockIO": {
        "weight": 500,
        "throttleReadBpsDevice": [{ "major": 8, "minor": 0, "rate": 1048576 }]
      },
      "hugepageLimits": [{ "pageSize": "2MB", "limit": 0 }],
      "network": { "classID": 1048577, "priorities": [{ "name": "eth0", "priority": 5 }] },
      "unified": { "memory.high": "max" }
    },
    "sysctl": { "net.ipv4.ip_forward": "1", "kernel.shmmax": "65536" },
    "seccomp": {
      "defaultAction": "SCMP_ACT_ERRNO",
      "defaultErrnoRet": 38,
      "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
      "syscalls": [
        { "names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW" },
        { "names": ["personality"], "action": "SCMP_ACT_ALLOW",
          "args": [{ "index": 0, "value": 0, "op": "SCMP_CMP_EQ" }] }
      ]
    },
    "rootfsPropagation": "rslave",
    "maskedPaths": ["/proc/kcore"],
    "readonlyPaths": ["/proc/sys"],
    "personality": { "domain": "LINUX" }
  }
}
EOF
}

# edit FILTER [BASE]: the base config edited by jq, "@RAW:x@" strings unquoted.
edit() {
    jq "$1" "${2:-$BATS_FILE_TMPDIR/base.json}" | sed -E 's/"@RAW:([^@]*)@"/\1/g'
}

setup_file() {
    cd "$ROOT" || return 1
    [ -x "$CONFIG_CHECK" ] || {
        echo "missing $CONFIG_CHECK: run 'make'" >&2
        return 1
    }
    write_base >"$BATS_FILE_TMPDIR/base.json"
    # Materialize the table once: bad/NNN.json, .expect (full message), .schema (S or -).
    mkdir -p "$BATS_FILE_TMPDIR/bad"
    local n=0 line flag rest filter msg f
    while IFS= read -r line; do
        [ -n "$line" ] || continue
        n=$((n + 1))
        flag=${line%% | *}
        rest=${line#* | }
        filter=${rest%% => *}
        msg=${rest#* => }
        f=$(printf '%s/bad/%03d' "$BATS_FILE_TMPDIR" "$n")
        edit "$filter" >"$f.json" || {
            echo "bad jq edit on line $n: $filter" >&2
            return 1
        }
        printf 'config.json: %s\n' "$msg" >"$f.expect"
        printf '%s\n' "$flag" >"$f.schema"
        printf '%s\n' "$filter" >"$f.filter"
    done <<<"$BAD_CONFIGS"
}

check() {
    run "$CONFIG_CHECK" "$@"
}

@test "config: the base config parses and validates against the schema" {
    check "$BATS_FILE_TMPDIR/base.json"
    assert_success
    assert_output "OK"
    run "$PYTHON" "$VALIDATE" "$BATS_FILE_TMPDIR/base.json"
    assert_success
    assert_output ""
}

@test "config: mount options and other fields are parsed as documented" {
    check --dump "$BATS_FILE_TMPDIR/base.json"
    assert_success
    # /dev: nosuid (0x2) strictatime (0x1000000); mode= and size= go to data
    assert_line "mount /dev flags=0x1000002 clear=0 propagation=0 rset=0 rclr=0 data=mode=755,size=65536k tmpcopyup=0 idmap=0/0"
    # /tmp: rw clears MS_RDONLY; rprivate = MS_PRIVATE|MS_REC; tmpcopyup never in data
    assert_line "mount /tmp flags=0x6 clear=0x1 propagation=0x44000 rset=0 rclr=0 data=(null) tmpcopyup=1 idmap=0/0"
    # /data: rbind = MS_BIND|MS_REC; rro|rnosuid|rnoatime as MOUNT_ATTR_*, atime needs __ATIME in clr
    assert_line "mount /data flags=0x5000 clear=0 propagation=0 rset=0x13 rclr=0x70 data=(null) tmpcopyup=0 idmap=0/0"
    assert_line "process uid=1000 gid=1000 args=3 env=3 cwd=/ bounding=0x4a1 rlimits=2"
    assert_line "resources devices=2 memory.limit=67108864 pids.limit=100"
    assert_line "seccomp present=1 rules=2"
}

@test "config: every bad config in the table is refused with its exact message" {
    local files=("$BATS_FILE_TMPDIR"/bad/*.json) failed=0 i got want
    [ "${#files[@]}" -ge 25 ]
    # one process for the whole table: one output line per file, in order
    run "$CONFIG_CHECK" "${files[@]}"
    assert_failure 1
    mapfile -t got <<<"$output"
    mapfile -t want < <(cat "${files[@]/%.json/.expect}")
    [ "${#got[@]}" -eq "${#files[@]}" ]
    for i in "${!files[@]}"; do
        if [ "${got[i]}" != "${want[i]}" ]; then
            failed=$((failed + 1))
            printf 'edit:  %s\nwant:  %s\ngot:   %s\n\n' \
                "$(cat "${files[i]%.json}.filter")" "${want[i]}" "${got[i]}" >&2
        fi
    done
    [ "$failed" -eq 0 ]
}

@test "config: the schema refuses the bad configs it can express, and only those" {
    run "$PYTHON" "$VALIDATE" "$BATS_FILE_TMPDIR"/bad/*.json
    assert_failure 1
    # files the schema refused, against the files marked S
    local refused marked
    refused=$(cut -d: -f1 <<<"$output" | sort -u)
    marked=$(grep -lx S "$BATS_FILE_TMPDIR"/bad/*.schema | sed 's/\.schema$/.json/' | sort)
    if [ "$refused" != "$marked" ]; then
        local f
        for f in $(comm -23 <(echo "$marked") <(echo "$refused")); do
            echo "schema accepts (marked S): $(cat "${f%.json}.filter")" >&2
        done
        for f in $(comm -13 <(echo "$marked") <(echo "$refused")); do
            echo "schema refuses (marked -, mark it S): $(cat "${f%.json}.filter")" >&2
        done
        false
    fi
}

@test "config: valid variations are accepted by both the parser and the schema" {
    local n=0 line files=()
    while IFS= read -r line; do
        n=$((n + 1))
        edit "$line" >"$BATS_TEST_TMPDIR/good-$n.json"
        files+=("$BATS_TEST_TMPDIR/good-$n.json")
    done <<<"$GOOD_CONFIGS"
    check "${files[@]}"
    assert_success
    assert_output "$(printf 'OK\n%.0s' "${files[@]}")"
    run "$PYTHON" "$VALIDATE" "${files[@]}"
    assert_success
    assert_output ""
}

@test "config: unknown fields are ignored" {
    edit '.future = {"x": 1} | .process.newThing = true | .linux.futurePolicy = {"mode": "MPOL_BIND"}
          | .mounts[0].extra = [1] | .linux.resources.rdma = {} | .hooks.someday = "x"
          | .linux.seccomp.syscalls[0].comment = "allow io"' >"$BATS_TEST_TMPDIR/c.json"
    check "$BATS_TEST_TMPDIR/c.json"
    assert_success
    assert_output "OK"
    run "$PYTHON" "$VALIDATE" "$BATS_TEST_TMPDIR/c.json"
    assert_success
}

@test "config: supported ociVersions are accepted" {
    local v files=()
    for v in 1.0.0 1.0.2-dev 1.1.0 1.1.0-rc.1 1.2.0 1.2.1 1.3.0 1.3.1-dev 1.4.0 1.10.2; do
        edit ".ociVersion = \"$v\"" >"$BATS_TEST_TMPDIR/$v.json"
        files+=("$BATS_TEST_TMPDIR/$v.json")
    done
    check "${files[@]}"
    assert_success
    run "$PYTHON" "$VALIDATE" "${files[@]}"
    assert_success
}

@test "config: unsupported ociVersions are refused with a clear message" {
    local v files=() want=()
    for v in 0.9.0 2.0.0 abc 1.0 1. 1.3 1.3.x 01.3.0; do
        edit ".ociVersion = \"$v\"" >"$BATS_TEST_TMPDIR/$v.json"
        files+=("$BATS_TEST_TMPDIR/$v.json")
        want+=("config.json: ociVersion: unsupported version \"$v\" (rbox-runtime supports 1.x: 1.0.0 to 1.3.0 and later 1.x.y)")
    done
    check "${files[@]}"
    assert_failure 1
    assert_output "$(printf '%s\n' "${want[@]}")"
    run "$PYTHON" "$VALIDATE" "${files[@]}"
    assert_failure 1
    [ "$(cut -d: -f1 <<<"$output" | sort -u | wc -l)" -eq "${#files[@]}" ]
}

@test "config: invalid JSON and a non-object document" {
    printf '{"ociVersion": "1.0.0",\n' >"$BATS_TEST_TMPDIR/c.json"
    check "$BATS_TEST_TMPDIR/c.json"
    assert_failure 1
    assert_output --regexp '^config\.json: invalid JSON: [^'$'\n'']+$'
    echo '["not", "an", "object"]' >"$BATS_TEST_TMPDIR/c.json"
    check "$BATS_TEST_TMPDIR/c.json"
    assert_failure 1
    assert_output "config.json: expected a JSON object"
    # an unfinished token after the document: yajl alone took it as complete (found by fuzz_seccomp)
    local t
    for t in '"' '"abc' 'tru' '-' '{'; do
        { cat "$BATS_FILE_TMPDIR/base.json"; printf '%s\n' "$t"; } >"$BATS_TEST_TMPDIR/c.json"
        check "$BATS_TEST_TMPDIR/c.json"
        assert_failure 1
        assert_output --regexp '^config\.json: invalid JSON: '
    done
}

@test "config: big and special integers" {
    # 2^64-1 is a valid rlimit; swappiness 2^64-1 means "unset"
    edit '.process.rlimits[1].hard = "@RAW:18446744073709551615@"
          | .linux.resources.memory.swappiness = "@RAW:18446744073709551615@"' >"$BATS_TEST_TMPDIR/c.json"
    check "$BATS_TEST_TMPDIR/c.json"
    assert_output "OK"
    run "$PYTHON" "$VALIDATE" "$BATS_TEST_TMPDIR/c.json"
    assert_success
    edit '.process.user.uid = "@RAW:1.0@"' >"$BATS_TEST_TMPDIR/c.json"
    check "$BATS_TEST_TMPDIR/c.json"
    assert_output "config.json: process.user.uid: expected a non-negative integer"
}

@test "config: the podman example parses and validates against the schema" {
    check "$ROOT/tests/fixtures/podman-config.json"
    assert_success
    assert_output "OK"
    run "$PYTHON" "$VALIDATE" "$ROOT/tests/fixtures/podman-config.json"
    assert_success
    assert_output ""
}

@test "config: the trimmed podman reference fails only on its placeholder rule" {
    local ref=$ROOT/tests/fixtures/podman-config-example.json
    # The fixture is the reference minus {"names": ["... 16 more rules omitted"], "action": "..."}
    run diff <(jq -S 'del(.linux.seccomp.syscalls[] | select(.action == "..."))' "$ref") \
        <(jq -S . "$ROOT/tests/fixtures/podman-config.json")
    assert_success
    check "$ref"
    assert_output 'config.json: linux.seccomp.syscalls[3].action: unknown action "..."'
}

@test "config: --what names the file in messages; resources and process on their own" {
    echo '{"memory": {"limit": "1g"}}' >"$BATS_TEST_TMPDIR/r.json"
    check --resources --what resources.json "$BATS_TEST_TMPDIR/r.json"
    assert_failure 1
    assert_output "resources.json: memory.limit: expected an integer"
    echo '{"memory": {"limit": 1073741824, "swappiness": 0}, "pids": {"limit": -1}}' \
        >"$BATS_TEST_TMPDIR/r.json"
    check --resources --what resources.json "$BATS_TEST_TMPDIR/r.json"
    assert_output "OK"
    echo '{"args": [], "cwd": "/"}' >"$BATS_TEST_TMPDIR/p.json"
    check --process --what process.json "$BATS_TEST_TMPDIR/p.json"
    assert_failure 1
    assert_output "process.json: args: must not be empty"
    echo '{"args": ["ls"], "cwd": "/", "env": ["A=1"]}' >"$BATS_TEST_TMPDIR/p.json"
    check --process "$BATS_TEST_TMPDIR/p.json"
    assert_output "OK"
}

@test "config: config_load resolves the bundle and root.path" {
    local b="$BATS_TEST_TMPDIR/bundle"
    mkdir -p "$b/rootfs"
    cp "$BATS_FILE_TMPDIR/base.json" "$b/config.json"
    check --load "$b"
    assert_success
    assert_output "OK bundle=$(realpath "$b") rootfs=$(realpath "$b/rootfs")"
    # no bundle argument: the current directory
    run bash -c 'cd "$1" && "$2" --load' _ "$b" "$CONFIG_CHECK"
    assert_output "OK bundle=$(realpath "$b") rootfs=$(realpath "$b/rootfs")"
    # an absolute root.path
    edit ".root.path = \"$(realpath "$b/rootfs")\"" >"$b/config.json"
    check --load "$b"
    assert_success
}

@test "config: config_load errors name the file or the root path" {
    local b="$BATS_TEST_TMPDIR/bundle"
    mkdir -p "$b"
    check --load "$b"
    assert_failure 1
    assert_output "$b/config.json: No such file or directory"
    cp "$BATS_FILE_TMPDIR/base.json" "$b/config.json"
    check --load "$b"
    assert_failure 1
    assert_output "config.json: root.path: $(realpath "$b")/rootfs: No such file or directory"
    touch "$b/rootfs"
    check --load "$b"
    assert_failure 1
    assert_output "config.json: root.path: $(realpath "$b")/rootfs: not a directory"
    rm "$b/rootfs"
    mkdir "$b/rootfs"
    edit '.process.args = []' >"$b/config.json"
    check --load "$b"
    assert_output "config.json: process.args: must not be empty"
}

@test "config: no leaks, valid or not (valgrind)" {
    command -v valgrind >/dev/null || skip "valgrind not installed"
    ! ldd "$CONFIG_CHECK" | grep -q libasan || skip "an ASan build: LeakSanitizer checks it instead"
    # every error path of the table, the base and the podman config, in one valgrind run
    run valgrind -q --leak-check=full --errors-for-leak-kinds=all --error-exitcode=99 \
        "$CONFIG_CHECK" --dump "$ROOT/tests/fixtures/podman-config.json" \
        "$BATS_FILE_TMPDIR/base.json" "$BATS_FILE_TMPDIR"/bad/*.json
    [ "$status" -ne 99 ] || {
        echo "$output" | grep '^==' >&2
        false
    }
    assert_failure 1
}

@test "config: 100000 mount options the runtime does not know all reach the filesystem's data, in order" {
    # they were joined one by one, copying the string each time: quadratic (18.7 s for these in
    # the release build); now one pass (docs/security.md, Fuzzing)
    jq -c '.mounts += [{"destination":"/x","type":"tmpfs","source":"tmpfs",
                        "options":(["nosuid"] + [range(100000) | "o\(.)"] + ["ro"])}]' \
        "$BATS_FILE_TMPDIR/base.json" >"$BATS_TEST_TMPDIR/many.json"
    check --dump "$BATS_TEST_TMPDIR/many.json"
    assert_success
    local line
    line=$(grep '^mount /x ' <<<"$output")
    [[ "$line" == *" data=o0,o1,o2,"* ]]
    [[ "$line" == *",o99998,o99999 tmpcopyup=0"* ]]
    [ "$(grep -o 'data=[^ ]*' <<<"$line" | tr ',' '\n' | wc -l)" -eq 100000 ]
}
