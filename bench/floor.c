/* floor.c - the fewest syscalls that give /bin/true the isolation of the bench's bundle
 * (docs/performance.md, "The floor"). Built by `make bench`, never installed.
 *
 * What it does, with no config parsing, no state directory and no safety checks:
 *  - one cgroup, floor-PID, created in every hierarchy rbox-runtime uses, nested under the
 *    caller's cgroup like the bench's relative cgroupsPath: on a hybrid host every v1 hierarchy
 *    of /proc/self/cgroup plus the unified one, on a pure v2 host the one tree (detected at run
 *    time); cpuset.cpus/mems copied from the parent, the bundle's device rules written;
 *  - one clone3 with new pid, net, ipc, uts and mount namespaces (and cgroup, and
 *    CLONE_INTO_CGROUP, on pure v2); on hybrid the child joins the v1 hierarchies itself and then
 *    unshares its cgroup namespace;
 *  - the bundle's mounts (proc, /dev tmpfs with its nodes and links, devpts, shm, mqueue, sysfs
 *    read-only, the cgroup tree read-only, /tmp), masked and read-only paths, pivot_root, the
 *    read-only root, hostname, lo up, RLIMIT_NOFILE, the capability sets and no_new_privs;
 *  - execve of the program (default /bin/true), reap, rmdir of the cgroups.
 *
 * On a pure v2 host the devices cgroup has no files: rbox-runtime loads an eBPF device program
 * there, the floor does not (on this kind of host, hybrid, both write the v1 device rules).
 *
 * Usage: floor [-d] ROOTFS [PROGRAM ARGS...]   (-d: per-step µs on stderr)
 * Exit status: the program's (128+N when killed by signal N). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXH 16
static struct {
    char dir[512]; /* the new cgroup's directory */
    char name[64]; /* mount directory under /sys/fs/cgroup ("" on pure v2) */
    char opts[64]; /* v1 mount options (controllers or name=...) */
    bool v2;
} h[MAXH];
static int nh;
static bool debug, pure_v2;
static struct timespec t0;

static void step(const char *what)
{
    if (!debug)
        return;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    long us = (t.tv_sec - t0.tv_sec) * 1000000L + (t.tv_nsec - t0.tv_nsec) / 1000;
    fprintf(stderr, "floor: %6ld us %s\n", us, what);
}

static pid_t floor_pid;

static void die(const char *what)
{
    fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
    /* the parent takes back the cgroups it made (the child's failure reaches it as exit 125) */
    for (int i = nh - 1; getpid() == floor_pid && i >= 0; i--)
        rmdir(h[i].dir);
    _exit(125);
}

static void put(const char *dir, const char *file, const char *val)
{
    char p[600];
    snprintf(p, sizeof(p), "%s/%s", dir, file);
    int fd = open(p, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, val, strlen(val)) < 0)
        die(p);
    close(fd);
}

static void get(const char *dir, const char *file, char *buf, size_t len)
{
    char p[600];
    snprintf(p, sizeof(p), "%s/%s", dir, file);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);
    if (n < 0)
        die(p);
    buf[n] = '\0';
    close(fd);
}

/* The hierarchies of /proc/self/cgroup, each with the new cgroup's directory under ours. */
static void cgroups_create(void)
{
    struct statfs sf;
    pure_v2 = statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
    char buf[4096], *save = NULL;
    get("/proc/self", "cgroup", buf, sizeof(buf));
    for (char *line = strtok_r(buf, "\n", &save); line && nh < MAXH;
         line = strtok_r(NULL, "\n", &save)) {
        char *ctrl = strchr(line, ':'), *path = ctrl ? strchr(ctrl + 1, ':') : NULL;
        if (!path)
            continue;
        *ctrl++ = '\0';
        *path++ = '\0';
        if (strcmp(path, "/") == 0)
            path = "";
        if (*ctrl == '\0') { /* the unified hierarchy */
            if (!pure_v2 && access("/sys/fs/cgroup/unified", F_OK) != 0)
                continue;
            h[nh].v2 = true;
            snprintf(h[nh].name, sizeof(h[nh].name), "%s", pure_v2 ? "" : "unified");
        } else {
            const char *name = strncmp(ctrl, "name=", 5) == 0 ? ctrl + 5 : ctrl;
            snprintf(h[nh].name, sizeof(h[nh].name), "%s", name);
            snprintf(h[nh].opts, sizeof(h[nh].opts), "%s%s",
                     strncmp(ctrl, "name=", 5) == 0 ? "none," : "", ctrl);
        }
        char name[64];
        memcpy(name, h[nh].name, sizeof(name));
        snprintf(h[nh].dir, sizeof(h[nh].dir), "/sys/fs/cgroup%s%s%s/floor-%d", *name ? "/" : "",
                 name, path, (int)getpid());
        if (mkdir(h[nh].dir, 0755) < 0)
            die(h[nh].dir);
        nh++;
    }
    for (int i = 0; i < nh; i++) {
        if (strcmp(h[i].name, "cpuset") == 0) {
            char parent[sizeof(h[i].dir)], v[256];
            memcpy(parent, h[i].dir, sizeof(parent));
            *strrchr(parent, '/') = '\0';
            get(parent, "cpuset.cpus", v, sizeof(v));
            put(h[i].dir, "cpuset.cpus", v);
            get(parent, "cpuset.mems", v, sizeof(v));
            put(h[i].dir, "cpuset.mems", v);
        } else if (strcmp(h[i].name, "devices") == 0) {
            /* the bundle's rule (deny all) and the runtime's default allow list */
            static const char *const allow[] = { "c *:* m",   "b *:* m",    "c 1:3 rwm",
                                                 "c 1:5 rwm", "c 1:7 rwm",  "c 1:8 rwm",
                                                 "c 1:9 rwm", "c 5:0 rwm",  "c 5:1 rwm",
                                                 "c 5:2 rwm", "c 136:* rwm" };
            put(h[i].dir, "devices.deny", "a");
            for (size_t k = 0; k < sizeof(allow) / sizeof(allow[0]); k++)
                put(h[i].dir, "devices.allow", allow[k]);
        }
    }
}

static void cgroups_remove(void)
{
    for (int i = 0; i < nh; i++)
        for (int tries = 0; rmdir(h[i].dir) < 0; tries++) {
            if (errno != EBUSY || tries == 1000)
                die(h[i].dir);
            usleep(1000); /* a v1 cgroup can stay busy a moment after its last task is reaped */
        }
}

static void mnt(const char *src, const char *dst, const char *type, unsigned long flags,
                const char *data)
{
    if (mount(src, dst, type, flags, data) < 0)
        die(dst);
}

static const char *const masked[] = { "proc/acpi",        "proc/asound",        "proc/kcore",
                                      "proc/keys",        "proc/latency_stats", "proc/timer_list",
                                      "proc/timer_stats", "proc/sched_debug",   "proc/scsi",
                                      "sys/firmware" };
static const char *const readonly[] = { "proc/bus", "proc/fs", "proc/irq", "proc/sys",
                                        "proc/sysrq-trigger" };

/* The bundle's bounding, effective and permitted sets. */
static const int keep_caps[] = {
    CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FSETID,           CAP_FOWNER,
    CAP_MKNOD,   CAP_NET_RAW,      CAP_SETGID,           CAP_SETUID,
    CAP_SETFCAP, CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
    CAP_KILL,    CAP_AUDIT_WRITE
};

static int child(const char *rootfs, char **argv)
{
    char p[4096];
    if (!pure_v2) {
        /* join the v1 hierarchies, then the cgroup namespace. "0" in tasks moves this (single-
         * threaded) process without the kernel's global threadgroup write lock, which another
         * pid or cgroup.procs takes (and which can cost an RCU grace period) */
        for (int i = 0; i < nh; i++)
            if (!h[i].v2)
                put(h[i].dir, "tasks", "0");
        if (unshare(CLONE_NEWCGROUP) < 0)
            die("unshare");
        step("child: v1 cgroups joined, cgroup namespace");
    }
    setsid();
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr = { .ifr_name = "lo", .ifr_flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING };
    if (s < 0 || ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
        die("lo up");
    close(s);
    mnt(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL);
    mnt(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL);
    if (chdir(rootfs) < 0)
        die(rootfs);
    const unsigned long nse = MS_NOSUID | MS_NODEV | MS_NOEXEC;
    mnt("proc", "proc", "proc", 0, NULL);
    mnt("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
    mkdir("dev/pts", 0755);
    mnt("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
        "newinstance,ptmxmode=0666,mode=0620,gid=5");
    mkdir("dev/shm", 0755);
    mnt("shm", "dev/shm", "tmpfs", nse, "mode=1777,size=65536k");
    mkdir("dev/mqueue", 0755);
    mnt("mqueue", "dev/mqueue", "mqueue", nse, NULL);
    mnt("sysfs", "sys", "sysfs", nse | MS_RDONLY, NULL);
    if (pure_v2) {
        mnt("cgroup", "sys/fs/cgroup", "cgroup2", nse | MS_RDONLY, NULL);
    } else {
        mnt("tmpfs", "sys/fs/cgroup", "tmpfs", nse, "mode=755,size=64k");
        /* rbox-runtime's order: the v1 hierarchies as mounted (the reverse of
         * /proc/self/cgroup), the unified one last */
        for (int k = 0; k < 2; k++)
            for (int i = nh - 1; i >= 0; i--) {
                if (h[i].v2 != (k == 1))
                    continue;
                snprintf(p, sizeof(p), "sys/fs/cgroup/%s", h[i].name);
                mkdir(p, 0755);
                mnt("cgroup", p, h[i].v2 ? "cgroup2" : "cgroup", nse | MS_RDONLY,
                    h[i].v2 ? NULL : h[i].opts);
            }
        mnt(NULL, "sys/fs/cgroup", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | nse, NULL);
    }
    mnt("tmpfs", "tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
    step("child: mounts");
    umask(0);
    static const struct {
        const char *name;
        unsigned maj, min;
    } nodes[] = { { "null", 1, 3 },   { "zero", 1, 5 },    { "full", 1, 7 },
                  { "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 } };
    for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
        snprintf(p, sizeof(p), "dev/%s", nodes[i].name);
        if (mknod(p, S_IFCHR | 0666, makedev(nodes[i].maj, nodes[i].min)) < 0)
            die(p);
    }
    umask(022);
    if (symlink("/proc/self/fd", "dev/fd") < 0 || symlink("/proc/self/fd/0", "dev/stdin") < 0 ||
        symlink("/proc/self/fd/1", "dev/stdout") < 0 ||
        symlink("/proc/self/fd/2", "dev/stderr") < 0 || symlink("pts/ptmx", "dev/ptmx") < 0)
        die("dev links");
    if (sethostname("busybox", 7) < 0)
        die("sethostname");
    for (size_t i = 0; i < sizeof(masked) / sizeof(masked[0]); i++)
        if (mount("/dev/null", masked[i], NULL, MS_BIND, NULL) < 0 &&
            (errno != ENOTDIR || mount("tmpfs", masked[i], "tmpfs", nse | MS_RDONLY, NULL) < 0) &&
            errno != ENOENT)
            die(masked[i]);
    for (size_t i = 0; i < sizeof(readonly) / sizeof(readonly[0]); i++)
        if (mount(readonly[i], readonly[i], NULL, MS_BIND | MS_REC, NULL) == 0)
            mnt(NULL, readonly[i], NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL);
        else if (errno != ENOENT)
            die(readonly[i]);
    step("child: devices, hostname, masked and read-only paths");
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        die("pivot_root");
    mnt(NULL, ".", NULL, MS_REC | MS_SLAVE, NULL);
    if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
        die("old root");
    mnt(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL);
    step("child: pivot_root, read-only root");
    struct rlimit rl = { 1024, 1024 };
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
        die("setrlimit");
    uint64_t keep = 0;
    for (size_t i = 0; i < sizeof(keep_caps) / sizeof(keep_caps[0]); i++)
        keep |= 1ULL << keep_caps[i];
    for (int c = 0; c <= CAP_LAST_CAP; c++)
        if (!(keep & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
            die("PR_CAPBSET_DROP");
    if (setgroups(0, NULL) < 0)
        die("setgroups");
    struct __user_cap_header_struct hd = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2] = {
        { (uint32_t)keep, (uint32_t)keep, 0 },
        { (uint32_t)(keep >> 32), (uint32_t)(keep >> 32), 0 },
    };
    if (syscall(SYS_capset, &hd, d) < 0)
        die("capset");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        die("no_new_privs");
    step("child: rlimit, capabilities, no_new_privs; execve");
    execv(argv[0], argv);
    die(argv[0]);
    return 125;
}

int main(int argc, char **argv)
{
    clock_gettime(CLOCK_MONOTONIC, &t0);
    floor_pid = getpid();
    int a = 1;
    if (a < argc && strcmp(argv[a], "-d") == 0) {
        debug = true;
        a++;
    }
    if (a >= argc) {
        fprintf(stderr, "usage: floor [-d] ROOTFS [PROGRAM ARGS...]\n");
        return 2;
    }
    const char *rootfs = argv[a++];
    static char *deflt[] = { (char *)"/bin/true", NULL };
    char **prog = a < argc ? argv + a : deflt;
    cgroups_create();
    step("cgroups created");
    struct clone_args ca = {
        .flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET,
        .exit_signal = SIGCHLD,
    };
    int cgfd = -1;
    if (pure_v2) {
        /* straight into the cgroup, with the cgroup namespace rooted there */
        if ((cgfd = open(h[0].dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
            die(h[0].dir);
        ca.flags |= CLONE_NEWCGROUP | CLONE_INTO_CGROUP;
        ca.cgroup = (uint64_t)cgfd;
    } else {
        for (int i = 0; i < nh; i++)
            if (h[i].v2 && (cgfd = open(h[i].dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
                ca.flags |= CLONE_INTO_CGROUP;
                ca.cgroup = (uint64_t)cgfd;
            }
    }
    pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
    if (pid < 0)
        die("clone3");
    if (pid == 0)
        return child(rootfs, prog);
    step("clone3");
    int status;
    if (waitpid(pid, &status, 0) < 0)
        die("waitpid");
    step("reaped");
    cgroups_remove();
    step("cgroups removed");
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
