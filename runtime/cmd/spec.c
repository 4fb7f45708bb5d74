/* spec.c - rbox-runtime spec: write a default config.json. */
#define _GNU_SOURCE
#include "cli.h"
#include "json.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "Usage: rbox-runtime spec [flags]\n"
    "\n"
    "Write a default config.json into the bundle directory (the root filesystem is expected\n"
    "in its \"rootfs\" directory). Refuses to overwrite an existing config.json.\n"
    "\n"
    "Flags:\n"
    "  -b, --bundle DIR   bundle directory (default: current directory)\n"
    "  --rootless         a config for an unprivileged user: a user namespace mapping the\n"
    "                     calling user to root, no network namespace, /sys bound read-only,\n"
    "                     no resources (the cgroup is skipped with a warning when the user\n"
    "                     may not create it). Ranges of /etc/subuid and /etc/subgid may be\n"
    "                     added to the mappings (they are written with newuidmap/newgidmap)\n";

enum { O_BUNDLE = 1, O_ROOTLESS };
static const struct cli_opt flags[] = {
    { "bundle", 'b', true, O_BUNDLE },
    { "rootless", 0, false, O_ROOTLESS },
    { NULL, 0, false, 0 },
};

static void strs(json_w *w, const char *key, const char *const *v)
{
    jw_key(w, key);
    jw_arr_open(w);
    for (; *v; v++)
        jw_str(w, *v);
    jw_arr_close(w);
}

static void mount(json_w *w, const char *dst, const char *type, const char *src,
                  const char *const *opts)
{
    jw_obj_open(w);
    jw_kstr(w, "destination", dst);
    jw_kstr(w, "type", type);
    jw_kstr(w, "source", src);
    strs(w, "options", opts);
    jw_obj_close(w);
}

static void process(json_w *w)
{
    static const char *const args[] = { "sh", NULL };
    static const char *const env[] = {
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", NULL
    };
    static const char *const caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
                                        NULL };
    jw_key(w, "process");
    jw_obj_open(w);
    jw_kbool(w, "terminal", true);
    jw_key(w, "user");
    jw_obj_open(w);
    jw_kint(w, "uid", 0);
    jw_kint(w, "gid", 0);
    jw_obj_close(w);
    strs(w, "args", args);
    strs(w, "env", env);
    jw_kstr(w, "cwd", "/");
    jw_key(w, "capabilities");
    jw_obj_open(w);
    strs(w, "bounding", caps);
    strs(w, "effective", caps);
    strs(w, "permitted", caps);
    jw_obj_close(w);
    jw_key(w, "rlimits");
    jw_arr_open(w);
    jw_obj_open(w);
    jw_kstr(w, "type", "RLIMIT_NOFILE");
    jw_kint(w, "hard", 1024);
    jw_kint(w, "soft", 1024);
    jw_obj_close(w);
    jw_arr_close(w);
    jw_kbool(w, "noNewPrivileges", true);
    jw_obj_close(w);
}

static void mounts(json_w *w, bool rootless)
{
    static const char *const proc[] = { "nosuid", "noexec", "nodev", NULL };
    static const char *const dev[] = { "nosuid", "strictatime", "mode=755", "size=65536k", NULL };
    static const char *const pts[] = { "nosuid",    "noexec", "newinstance", "ptmxmode=0666",
                                       "mode=0620", "gid=5",  NULL };
    static const char *const pts_rootless[] = { "nosuid",        "noexec",    "newinstance",
                                                "ptmxmode=0666", "mode=0620", NULL };
    static const char *const shm[] = {
        "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL
    };
    static const char *const mq[] = { "nosuid", "noexec", "nodev", NULL };
    static const char *const sys[] = { "nosuid", "noexec", "nodev", "ro", NULL };
    static const char *const sys_rootless[] = { "rbind", "nosuid", "noexec", "nodev", "ro", NULL };
    static const char *const cg[] = { "nosuid", "noexec", "nodev", "relatime", "ro", NULL };
    jw_key(w, "mounts");
    jw_arr_open(w);
    mount(w, "/proc", "proc", "proc", proc);
    mount(w, "/dev", "tmpfs", "tmpfs", dev);
    mount(w, "/dev/pts", "devpts", "devpts", rootless ? pts_rootless : pts);
    mount(w, "/dev/shm", "tmpfs", "shm", shm);
    mount(w, "/dev/mqueue", "mqueue", "mqueue", mq);
    if (rootless)
        mount(w, "/sys", "none", "/sys", sys_rootless);
    else
        mount(w, "/sys", "sysfs", "sysfs", sys);
    if (!rootless)
        mount(w, "/sys/fs/cgroup", "cgroup", "cgroup", cg);
    jw_arr_close(w);
}

static void idmap(json_w *w, const char *key, unsigned id)
{
    jw_key(w, key);
    jw_arr_open(w);
    jw_obj_open(w);
    jw_kint(w, "containerID", 0);
    jw_kuint(w, "hostID", id);
    jw_kint(w, "size", 1);
    jw_obj_close(w);
    jw_arr_close(w);
}

static void linux_section(json_w *w, bool rootless)
{
    static const char *const masked[] = { "/proc/acpi",
                                          "/proc/asound",
                                          "/proc/kcore",
                                          "/proc/keys",
                                          "/proc/latency_stats",
                                          "/proc/timer_list",
                                          "/proc/timer_stats",
                                          "/proc/sched_debug",
                                          "/sys/firmware",
                                          "/proc/scsi",
                                          NULL };
    static const char *const ro[] = { "/proc/bus",           "/proc/fs", "/proc/irq", "/proc/sys",
                                      "/proc/sysrq-trigger", NULL };
    static const char *const ns[] = { "pid", "network", "ipc", "uts", "mount", NULL };
    static const char *const ns_rootless[] = { "pid", "ipc", "uts", "mount", "user", NULL };
    jw_key(w, "linux");
    jw_obj_open(w);
    if (rootless) {
        idmap(w, "uidMappings", getuid());
        idmap(w, "gidMappings", getgid());
    } else {
        jw_key(w, "resources");
        jw_obj_open(w);
        jw_key(w, "devices");
        jw_arr_open(w);
        jw_obj_open(w);
        jw_kbool(w, "allow", false);
        jw_kstr(w, "access", "rwm");
        jw_obj_close(w);
        jw_arr_close(w);
        jw_obj_close(w);
    }
    jw_key(w, "namespaces");
    jw_arr_open(w);
    for (const char *const *n = rootless ? ns_rootless : ns; *n; n++) {
        jw_obj_open(w);
        jw_kstr(w, "type", *n);
        jw_obj_close(w);
    }
    jw_arr_close(w);
    strs(w, "maskedPaths", masked);
    strs(w, "readonlyPaths", ro);
    jw_obj_close(w);
}

static char *default_spec(bool rootless)
{
    json_w w;
    jw_init(&w, true);
    jw_obj_open(&w);
    jw_kstr(&w, "ociVersion", "1.2.0");
    process(&w);
    jw_key(&w, "root");
    jw_obj_open(&w);
    jw_kstr(&w, "path", "rootfs");
    jw_kbool(&w, "readonly", true);
    jw_obj_close(&w);
    jw_kstr(&w, "hostname", "rbox");
    mounts(&w, rootless);
    linux_section(&w, rootless);
    jw_obj_close(&w);
    char *text = xasprintf("%s\n", jw_text(&w, NULL));
    jw_free(&w);
    return text;
}

int cmd_spec(const struct global_opts *g, int argc, char **argv)
{
    (void)g;
    rbox_err *err = NULL;
    struct cli_parser p = { .argc = argc, .argv = argv, .i = 1, .verb = "spec" };
    const char *arg, *bundle = ".";
    bool rootless = false;
    int id;
    while ((id = cli_next(&p, flags, &arg, &err)) != 0) {
        if (id == CLI_HELP)
            return cli_usage(usage);
        if (id < 0)
            return cli_fail(err);
        if (id == O_BUNDLE)
            bundle = arg;
        else
            rootless = true;
    }
    if (cli_require_args(&p, 0, 0, "", &err) < 0)
        return cli_fail(err);
    _cleanup_close_ int dfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        rbox_error(&err, errno, "spec: --bundle %s", bundle);
        return cli_fail(err);
    }
    _cleanup_free_ char *text = default_spec(rootless);
    _cleanup_close_ int fd =
        openat(dfd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        if (errno == EEXIST)
            rbox_error(&err, 0, "spec: %s/config.json exists: remove it first", bundle);
        else
            rbox_error(&err, errno, "spec: creating %s/config.json", bundle);
        return cli_fail(err);
    }
    if (write_all(fd, text, strlen(text)) < 0) {
        rbox_error(&err, errno, "spec: writing %s/config.json", bundle);
        return cli_fail(err);
    }
    return 0;
}
