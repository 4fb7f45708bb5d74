#!/usr/bin/env python3
"""Write rbox's built-in seccomp profiles (manager/rbox/container/profiles/*.json, compiled into rbox).

The JSON files are what ships; this script is how they are written, so that the graded
ladder stays cumulative (minimal < io-heavy < compute < network) and the default profile
starts from the same groups. Run it after editing, and commit both:

    python3 tools/seccomp-profiles.py [OUTDIR]     (default: manager/rbox/container/profiles)

tests/bats/manager/seccomp_profiles.bats checks that the committed files are its output.
Numbers are the kernel's ABI (flags, ioctl requests, address families), named in comments.
"""
import json
import os
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "manager", "rbox", "container", "profiles")
ALLOW = "SCMP_ACT_ALLOW"
AT_EMPTY_PATH = 0x1000
TCGETS, TIOCGWINSZ = 0x5401, 0x5413
NS_FLAGS = 0x7E020000  # CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET

def rule(comment, names, action=ALLOW, **kw):
    r = {"comment": comment, "names": sorted(set(names)), "action": action}
    r.update(kw)
    return r

# ---- the graded ladder (each level adds groups to the one below) ----
minimal = [
    rule("minimal: start a static program and exit",
         ["execve", "exit", "exit_group", "brk", "mprotect", "arch_prctl", "set_tid_address",
          "set_robust_list", "rseq", "prlimit64", "getrlimit", "getrandom", "futex",
          "restart_syscall", "uname"]),
    rule("minimal: I/O on the file descriptors the process already holds",
         ["read", "write", "readv", "writev", "pread64", "pwrite64", "lseek", "close", "dup",
          "dup2", "dup3", "fcntl", "fstat", "poll", "ppoll"]),
    rule("minimal: fstat through newfstatat(fd, \"\", AT_EMPTY_PATH) only (no path look-up)",
         ["newfstatat"], args=[{"index": 3, "value": AT_EMPTY_PATH, "valueTwo": AT_EMPTY_PATH,
                                "op": "SCMP_CMP_MASKED_EQ"}]),
    rule("minimal: isatty() and the terminal size, no other ioctl",
         ["ioctl"], args=[{"index": 1, "value": TCGETS, "op": "SCMP_CMP_EQ"},
                          {"index": 1, "value": TIOCGWINSZ, "op": "SCMP_CMP_EQ"}]),
    rule("minimal: signals to itself, clocks, sleeping, who am I",
         ["rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "getpid", "gettid",
          "tgkill", "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid",
          "getgroups", "clock_gettime", "clock_getres", "gettimeofday", "time", "nanosleep",
          "clock_nanosleep", "sched_yield"]),
]
files = [
    rule("io-heavy: file operations (open, stat, directories, links, permissions, xattrs, sync)",
         ["open", "openat", "openat2", "creat", "stat", "lstat", "newfstatat", "statx", "statfs",
          "fstatfs", "access", "faccessat", "faccessat2", "readlink", "readlinkat", "getdents",
          "getdents64", "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename", "renameat",
          "renameat2", "link", "linkat", "symlink", "symlinkat", "chmod", "fchmod", "fchmodat",
          "fchmodat2", "chown", "fchown", "fchownat", "lchown", "truncate", "ftruncate",
          "fallocate", "fsync", "fdatasync", "sync", "syncfs", "sync_file_range", "flock",
          "fadvise64", "readahead", "umask", "utime", "utimes", "utimensat", "futimesat",
          "getcwd", "chdir", "fchdir", "getxattr", "lgetxattr", "fgetxattr", "listxattr",
          "llistxattr", "flistxattr", "setxattr", "lsetxattr", "fsetxattr", "removexattr",
          "lremovexattr", "fremovexattr", "preadv", "pwritev", "preadv2", "pwritev2",
          "close_range", "execveat"]),
    rule("io-heavy: moving data between descriptors, pipes, waiting on many descriptors",
         ["copy_file_range", "sendfile", "splice", "tee", "pipe", "pipe2", "select",
          "pselect6", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait",
          "epoll_pwait2", "eventfd", "eventfd2", "inotify_init", "inotify_init1",
          "inotify_add_watch", "inotify_rm_watch"]),
]
compute = [
    rule("compute: memory mappings and memory policy",
         ["mmap", "munmap", "mremap", "madvise", "mincore", "msync", "mlock", "mlock2",
          "munlock", "mlockall", "munlockall", "memfd_create", "membarrier", "pkey_alloc",
          "pkey_free", "pkey_mprotect", "get_mempolicy", "set_mempolicy", "mbind"]),
    rule("compute: System V shared memory, semaphores and message queues",
         ["shmget", "shmat", "shmdt", "shmctl", "semget", "semop", "semtimedop", "semctl",
          "msgget", "msgsnd", "msgrcv", "msgctl"]),
    rule("compute: processes and threads (fork, wait, signals to others, process groups)",
         ["fork", "vfork", "wait4", "waitid", "kill", "tkill", "getppid", "getpgrp", "getpgid",
          "setpgid", "getsid", "setsid", "pidfd_open", "pidfd_send_signal", "get_robust_list",
          "rt_sigsuspend", "rt_sigpending", "rt_sigtimedwait", "rt_sigqueueinfo",
          "rt_tgsigqueueinfo", "signalfd", "signalfd4", "pause"]),
    rule("compute: clone for threads and processes, never into new namespaces",
         ["clone"], args=[{"index": 0, "value": NS_FLAGS, "valueTwo": 0,
                           "op": "SCMP_CMP_MASKED_EQ"}]),
    rule("compute: clone3 cannot be filtered by its flags: ENOSYS makes libc fall back to clone",
         ["clone3"], action="SCMP_ACT_ERRNO", errnoRet=38),
    rule("compute: scheduling, priorities, CPU affinity, timers, resource usage",
         ["sched_getaffinity", "sched_setaffinity", "sched_getparam", "sched_setparam",
          "sched_getscheduler", "sched_setscheduler", "sched_get_priority_max",
          "sched_get_priority_min", "sched_rr_get_interval", "sched_getattr", "sched_setattr",
          "getpriority", "setpriority", "ioprio_get", "ioprio_set", "getrusage", "times",
          "sysinfo", "getcpu", "timer_create", "timer_settime", "timer_gettime",
          "timer_getoverrun", "timer_delete", "timerfd_create", "timerfd_settime",
          "timerfd_gettime", "getitimer", "setitimer", "alarm"]),
]
AF = {"AF_UNIX": 1, "AF_INET": 2, "AF_INET6": 10, "AF_NETLINK": 16}
network = [
    rule("network: sockets of the families unix, inet, inet6 and netlink (getaddrinfo uses it)",
         ["socket"], args=[{"index": 0, "value": v, "op": "SCMP_CMP_EQ"} for v in AF.values()]),
    rule("network: everything done with a socket",
         ["socketpair", "connect", "accept", "accept4", "bind", "listen", "getsockname",
          "getpeername", "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg",
          "shutdown", "setsockopt", "getsockopt"]),
]

def graded(name, desc, groups):
    return {
        "comment": desc,
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 1,
        "architectures": [],
        "syscalls": groups,
    }

levels = [
    ("minimal", "rbox 'minimal': a process that reads and writes the descriptors it was given "
     "(stdin, stdout, stderr) and exits. Everything else fails with EPERM; only the native "
     "architecture. Implies no-new-privileges.", minimal),
    ("io-heavy", "rbox 'io-heavy': minimal + file operations. Implies no-new-privileges.",
     minimal + files),
    ("compute", "rbox 'compute': io-heavy + memory mappings, processes and threads, scheduling. "
     "Implies no-new-privileges.", minimal + files + compute),
    ("network", "rbox 'network': compute + sockets (unix, inet, inet6, netlink). Implies "
     "no-new-privileges.", minimal + files + compute + network),
]

# ---- default: docker's default profile in spirit ----
def cap_rule(comment, names, caps, action=ALLOW, **kw):
    r = rule(comment, names, action, **kw)
    r["includes"] = {"caps": caps}
    return r

everyone = set()
for g in minimal + files + compute + network:
    if g["action"] == ALLOW and "args" not in g:
        everyone |= set(g["names"])
everyone -= {"get_mempolicy", "set_mempolicy", "mbind"}  # CAP_SYS_NICE below, as docker
everyone |= {
    "newfstatat", "ioctl", "capget", "capset", "prctl", "seccomp", "ptrace",
    "futex_waitv", "futex_wake", "futex_wait", "futex_requeue", "get_thread_area",
    "set_thread_area", "setrlimit", "ugetrlimit", "waitpid", "mknod", "mknodat",
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups",
    "setfsuid", "setfsgid", "io_setup", "io_destroy", "io_getevents", "io_pgetevents",
    "io_submit", "io_cancel", "vmsplice", "name_to_handle_at", "cachestat",
    "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self",
    "remap_file_pages", "map_shadow_stack", "mq_open", "mq_unlink", "mq_timedsend",
    "mq_timedreceive", "mq_notify", "mq_getsetattr", "socketcall", "ipc", "mmap2",
    "getxattrat", "setxattrat", "listxattrat", "removexattrat",
    # 32-bit (x86 and arm) names of the same operations
    "_llseek", "_newselect", "chown32", "fchown32", "lchown32", "fadvise64_64",
    "arm_fadvise64_64", "fcntl64", "fstat64", "fstatat64", "fstatfs64", "lstat64", "stat64",
    "statfs64", "ftruncate64", "truncate64", "sendfile64", "getegid32", "geteuid32",
    "getgid32", "getgroups32", "getresgid32", "getresuid32", "getuid32", "setfsgid32",
    "setfsuid32", "setgid32", "setgroups32", "setregid32", "setresgid32", "setresuid32",
    "setreuid32", "setuid32", "sigaction", "signal", "sigpending", "sigprocmask",
    "sigsuspend", "sigreturn", "sync_file_range2", "arm_sync_file_range", "readdir",
    "clock_gettime64", "clock_getres_time64", "clock_nanosleep_time64", "timer_gettime64",
    "timer_settime64", "timerfd_gettime64", "timerfd_settime64", "utimensat_time64",
    "pselect6_time64", "ppoll_time64", "recvmmsg_time64", "mq_timedsend_time64",
    "mq_timedreceive_time64", "semtimedop_time64", "rt_sigtimedwait_time64", "futex_time64",
    "sched_rr_get_interval_time64", "io_pgetevents_time64", "send", "recv",
    "breakpoint", "cacheflush", "set_tls", "riscv_flush_icache",
}
everyone -= {"clone", "clone3", "socket"}
AF_VSOCK = 40

default_rules = [
    rule("default: what containers normally do (processes, files, memory, sockets, IPC, "
         "time, identity changes the capabilities allow). Left out: keyctl, add_key and "
         "request_key (keys are not namespaced), io_uring (a large attack surface), "
         "userfaultfd, kexec, swapon/swapoff, the old and obsolete calls, and everything "
         "below unless the container holds the capability",
         sorted(everyone)),
    rule("default: sockets of every address family but AF_VSOCK (a way out to the host or "
         "hypervisor)", ["socket"], args=[{"index": 0, "value": AF_VSOCK, "op": "SCMP_CMP_NE"}]),
    rule("default: personality() only for the Linux personalities (and the query)",
         ["personality"], args=[{"index": 0, "value": v, "op": "SCMP_CMP_EQ"}
                                for v in (0x0, 0x8, 0x20000, 0x20008, 0xffffffff)]),
    dict(rule("default: clone without namespace flags, unless CAP_SYS_ADMIN",
              ["clone"], args=[{"index": 0, "value": NS_FLAGS, "valueTwo": 0,
                                "op": "SCMP_CMP_MASKED_EQ"}]),
         excludes={"caps": ["CAP_SYS_ADMIN"]}),
    dict(rule("default: clone3 hides its flags from seccomp: ENOSYS (libc falls back to "
              "clone), unless CAP_SYS_ADMIN", ["clone3"], action="SCMP_ACT_ERRNO",
              errnoRet=38), excludes={"caps": ["CAP_SYS_ADMIN"]}),
    cap_rule("default: CAP_SYS_ADMIN: mounts, namespaces, host and domain names, bpf, perf",
             ["bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen",
              "fspick", "lookup_dcookie", "mount", "mount_setattr", "move_mount", "open_tree",
              "perf_event_open", "pivot_root", "quotactl", "quotactl_fd", "setdomainname",
              "sethostname", "setns", "syslog", "umount", "umount2", "unshare"],
             ["CAP_SYS_ADMIN"]),
    cap_rule("default: CAP_SYS_BOOT", ["reboot"], ["CAP_SYS_BOOT"]),
    cap_rule("default: CAP_SYS_CHROOT", ["chroot"], ["CAP_SYS_CHROOT"]),
    cap_rule("default: CAP_SYS_MODULE", ["init_module", "finit_module", "delete_module"],
             ["CAP_SYS_MODULE"]),
    cap_rule("default: CAP_SYS_PACCT", ["acct"], ["CAP_SYS_PACCT"]),
    cap_rule("default: CAP_SYS_PTRACE: reading and writing other processes",
             ["kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv",
              "process_vm_writev"], ["CAP_SYS_PTRACE"]),
    cap_rule("default: CAP_SYS_RAWIO", ["iopl", "ioperm"], ["CAP_SYS_RAWIO"]),
    cap_rule("default: CAP_SYS_TIME", ["settimeofday", "stime", "clock_settime",
                                       "clock_settime64", "clock_adjtime", "clock_adjtime64",
                                       "adjtimex"], ["CAP_SYS_TIME"]),
    cap_rule("default: CAP_SYS_TTY_CONFIG", ["vhangup"], ["CAP_SYS_TTY_CONFIG"]),
    cap_rule("default: CAP_SYS_NICE: memory policy", ["get_mempolicy", "mbind",
                                                      "set_mempolicy",
                                                      "set_mempolicy_home_node"],
             ["CAP_SYS_NICE"]),
    cap_rule("default: CAP_SYSLOG", ["syslog"], ["CAP_SYSLOG"]),
    cap_rule("default: CAP_BPF", ["bpf"], ["CAP_BPF"]),
    cap_rule("default: CAP_PERFMON", ["perf_event_open"], ["CAP_PERFMON"]),
    cap_rule("default: CAP_DAC_READ_SEARCH", ["open_by_handle_at"], ["CAP_DAC_READ_SEARCH"]),
]
default = {
    "comment": "rbox 'default': what docker's default profile intends, written for rbox: "
               "a broad allow-list, EPERM for the rest, privileged calls only with the "
               "capability that makes them useful. Applies when --security-opt seccomp= is "
               "not given.",
    "defaultAction": "SCMP_ACT_ERRNO",
    "defaultErrnoRet": 1,
    "archMap": [
        {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]},
        {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]},
        {"architecture": "SCMP_ARCH_RISCV64", "subArchitectures": []},
    ],
    "syscalls": default_rules,
}

def dump(name, obj):
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")

for name, desc, groups in levels:
    dump(name, graded(name, desc, groups))
dump("default", default)
