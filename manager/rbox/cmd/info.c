/* info.c - rbox info and rbox version: docker's layout for what applies to rbox (no daemon:
 * the "server" is this store, rbox-monitor and rbox-runtime), and --format json or a Go
 * template over docker's keys ({{.ServerVersion}}, {{.Server.Version}}, {{json .}}). */
#define _GNU_SOURCE
#include "ctr.h"
#include "format.h"
#include "image.h"
#include "json.h"
#include "mcli.h"
#include "rtclient.h"
#include "util.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef RBOX_VERSION
#define RBOX_VERSION "0.0.0"
#endif
#ifndef RBOX_COMMIT
#define RBOX_COMMIT "unknown"
#endif
#define CGROUP2_MAGIC 0x63677270

static const char info_usage[] =
    "Usage: rbox info [OPTIONS]\n"
    "\n"
    "Show the store and the host as docker info does: containers by state, images, the\n"
    "storage, logging and cgroup drivers, the cgroup version, the runtime, the kernel, the\n"
    "OS, CPUs, memory and the store's root (Docker Root Dir).\n"
    "\n"
    "Options:\n"
    "  -f, --format F   json, or a Go template over docker's keys ('{{.ServerVersion}}',\n"
    "                   '{{.CgroupVersion}}', '{{.NCPU}}', '{{.DockerRootDir}}', '{{json .}}')\n";

static const char version_usage[] =
    "Usage: rbox version [OPTIONS]\n"
    "\n"
    "Show the versions of rbox (client and \"server\": rbox has no daemon, its engine is\n"
    "rbox itself), rbox-monitor and rbox-runtime, as docker version does.\n"
    "\n"
    "Options:\n"
    "  -f, --format F   json, or a Go template ('{{.Client.Version}}', '{{.Server.Version}}',\n"
    "                   '{{json .}}')\n";

/* What both commands report about the host. */
struct facts {
    struct utsname u;
    const char *goarch;
    char os[256], os_version[64], rt_version[64], rt_commit[64], backing[16];
    const char *cgroup_version;
    long ncpu;
    unsigned long long mem;
    char host[256];
};

static const char *goarch_of(const char *m)
{
    static const char *const map[][2] = { { "x86_64", "amd64" },    { "aarch64", "arm64" },
                                          { "i686", "386" },        { "armv7l", "arm" },
                                          { "ppc64le", "ppc64le" }, { "s390x", "s390x" },
                                          { "riscv64", "riscv64" } };
    for (size_t i = 0; i < ARRAY_SIZE(map); i++)
        if (strcmp(map[i][0], m) == 0)
            return map[i][1];
    return m;
}

/* /etc/os-release: PRETTY_NAME and VERSION_ID */
static void read_os_release(struct facts *f)
{
    snprintf(f->os, sizeof(f->os), "Linux");
    _cleanup_free_ char *text = NULL;
    if (read_file_at(AT_FDCWD, "/etc/os-release", &text, NULL) < 0 &&
        read_file_at(AT_FDCWD, "/usr/lib/os-release", &text, NULL) < 0)
        return;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = '\0';
        char *v = eq + 1;
        size_t len = strlen(v);
        if (len >= 2 && (v[0] == '"' || v[0] == '\'') && v[len - 1] == v[0]) {
            v[len - 1] = '\0';
            v++;
        }
        if (strcmp(line, "PRETTY_NAME") == 0)
            snprintf(f->os, sizeof(f->os), "%s", v);
        else if (strcmp(line, "VERSION_ID") == 0)
            snprintf(f->os_version, sizeof(f->os_version), "%s", v);
    }
}

/* `rbox-runtime --version`: "rbox-runtime version X" and "commit: Y" */
static void read_runtime_version(const struct store *s, struct facts *f)
{
    snprintf(f->rt_version, sizeof(f->rt_version), "unknown");
    const char *args[] = { "--version", NULL };
    _cleanup_free_ char *out = NULL;
    if (rt_output(s, args, &out, NULL) < 0)
        return;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        if (str_has_prefix(line, "rbox-runtime version "))
            snprintf(f->rt_version, sizeof(f->rt_version), "%s", line + 21);
        else if (str_has_prefix(line, "commit: "))
            snprintf(f->rt_commit, sizeof(f->rt_commit), "%s", line + 8);
    }
}

static const char *backing_fs(long type)
{
    switch ((unsigned long)type) {
    case 0xEF53: return "extfs";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    case 0x01021994: return "tmpfs";
    case 0x794c7630: return "overlayfs";
    case 0x2fc12fc1: return "zfs";
    case 0xF2F52010: return "f2fs";
    default: return "unknown";
    }
}

static void gather(const struct store *s, struct facts *f)
{
    memset(f, 0, sizeof(*f));
    uname(&f->u);
    f->goarch = goarch_of(f->u.machine);
    read_os_release(f);
    read_runtime_version(s, f);
    struct statfs sf;
    f->cgroup_version =
        statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_MAGIC ? "2" : "1";
    snprintf(f->backing, sizeof(f->backing), "%s",
             fstatfs(s->root_fd, &sf) == 0 ? backing_fs((long)sf.f_type) : "unknown");
    cpu_set_t set;
    f->ncpu = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set)
                                                           : sysconf(_SC_NPROCESSORS_ONLN);
    struct sysinfo si;
    if (sysinfo(&si) == 0)
        f->mem = (unsigned long long)si.totalram * si.mem_unit;
    if (gethostname(f->host, sizeof(f->host) - 1) < 0)
        f->host[0] = '\0';
}

/* go-units BytesSize: "%.4g" and binary units */
static void bytes_size(unsigned long long b, char *buf, size_t len)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
    double v = (double)b;
    size_t u = 0;
    while (v >= 1024.0 && u + 1 < ARRAY_SIZE(units)) {
        v /= 1024.0;
        u++;
    }
    snprintf(buf, len, "%.4g%s", v, units[u]);
}

struct counts {
    long containers, running, paused, stopped, images;
};

static void count(struct store *s, struct counts *c)
{
    memset(c, 0, sizeof(*c));
    _cleanup_strv_ char **ids = NULL;
    size_t n = 0;
    if (ctr_list_ids(s, &ids, &n, NULL) == 0)
        for (size_t i = 0; i < n; i++) {
            struct ctr_state st;
            if (ctr_read(s, ids[i], &st, NULL) < 0) /* reconciled: a dead monitor's is exited */
                continue;
            c->containers++;
            c->running += st.status == CS_RUNNING;
            c->paused += st.status == CS_PAUSED;
            c->stopped += st.status != CS_RUNNING && st.status != CS_PAUSED;
        }
    struct image *imgs = NULL;
    size_t ni = 0;
    if (image_list(s, &imgs, &ni, NULL) == 0) {
        c->images = (long)ni;
        for (size_t i = 0; i < ni; i++)
            image_clear(&imgs[i]);
        free(imgs);
    }
}

static void info_json(json_w *w, const struct store *s, const struct facts *f,
                      const struct counts *c)
{
    jw_obj_open(w);
    jw_kint(w, "Containers", c->containers);
    jw_kint(w, "ContainersRunning", c->running);
    jw_kint(w, "ContainersPaused", c->paused);
    jw_kint(w, "ContainersStopped", c->stopped);
    jw_kint(w, "Images", c->images);
    jw_kstr(w, "Driver", "overlay");
    jw_key(w, "DriverStatus");
    jw_arr_open(w);
    jw_arr_open(w);
    jw_str(w, "Backing Filesystem");
    jw_str(w, f->backing);
    jw_arr_close(w);
    jw_arr_close(w);
    jw_key(w, "Plugins");
    jw_obj_open(w);
    jw_kstrv(w, "Volume", (char *[]){ "local", NULL });
    jw_kstrv(w, "Log", (char *[]){ "k8s-file", NULL });
    jw_obj_close(w);
    jw_kstr(w, "LoggingDriver", "k8s-file");
    jw_kstr(w, "CgroupDriver", "cgroupfs");
    jw_kstr(w, "CgroupVersion", f->cgroup_version);
    jw_kstr(w, "KernelVersion", f->u.release);
    jw_kstr(w, "OperatingSystem", f->os);
    jw_kstr(w, "OSVersion", f->os_version);
    jw_kstr(w, "OSType", "linux");
    jw_kstr(w, "Architecture", f->u.machine);
    jw_kint(w, "NCPU", f->ncpu);
    jw_kuint(w, "MemTotal", f->mem);
    jw_kstr(w, "DockerRootDir", s->root);
    jw_kstr(w, "RunRoot", s->runroot); /* rbox: <runroot> */
    jw_kstr(w, "Name", f->host);
    jw_kstr(w, "ServerVersion", RBOX_VERSION);
    jw_key(w, "Runtimes");
    jw_obj_open(w);
    jw_key(w, "rbox-runtime");
    jw_obj_open(w);
    jw_kstr(w, "path", s->runtime_bin);
    jw_kstr(w, "version", f->rt_version);
    jw_obj_close(w);
    jw_obj_close(w);
    jw_kstr(w, "DefaultRuntime", "rbox-runtime");
    jw_key(w, "RuncCommit");
    jw_obj_open(w);
    jw_kstr(w, "ID", f->rt_commit);
    jw_obj_close(w);
    jw_kstrv(w, "SecurityOptions", (char *[]){ "name=seccomp,profile=builtin", NULL });
    jw_kbool(w, "Debug", false);
    jw_kbool(w, "ExperimentalBuild", false);
    jw_kbool(w, "LiveRestoreEnabled", true); /* no daemon: containers outlive every rbox */
    jw_key(w, "ClientInfo");
    jw_obj_open(w);
    jw_kbool(w, "Debug", false);
    jw_kstr(w, "Version", RBOX_VERSION);
    jw_kstr(w, "GitCommit", RBOX_COMMIT);
    jw_kstr(w, "Context", "default");
    jw_obj_close(w);
    jw_obj_close(w);
}

static void info_text(const struct store *s, const struct facts *f, const struct counts *c)
{
    char mem[32];
    bytes_size(f->mem, mem, sizeof(mem));
    printf("Client:\n Version:    %s\n Context:    default\n Debug Mode: false\n\n", RBOX_VERSION);
    printf("Server:\n");
    printf(" Containers: %ld\n  Running: %ld\n  Paused: %ld\n  Stopped: %ld\n", c->containers,
           c->running, c->paused, c->stopped);
    printf(" Images: %ld\n", c->images);
    printf(" Server Version: %s\n", RBOX_VERSION);
    printf(" Storage Driver: overlay\n  Backing Filesystem: %s\n", f->backing);
    printf(" Logging Driver: k8s-file\n");
    printf(" Cgroup Driver: cgroupfs\n Cgroup Version: %s\n", f->cgroup_version);
    printf(" Plugins:\n  Volume: local\n  Log: k8s-file\n");
    printf(" Runtimes: rbox-runtime\n Default Runtime: rbox-runtime\n");
    printf(" rbox-runtime version: %s%s%s%s\n", f->rt_version, f->rt_commit[0] ? " (commit " : "",
           f->rt_commit, f->rt_commit[0] ? ")" : "");
    printf(" Security Options:\n  seccomp\n   Profile: builtin\n");
    printf(" Kernel Version: %s\n", f->u.release);
    printf(" Operating System: %s\n OSType: linux\n", f->os);
    printf(" Architecture: %s\n CPUs: %ld\n Total Memory: %s\n", f->u.machine, f->ncpu, mem);
    printf(" Name: %s\n", f->host);
    printf(" Docker Root Dir: %s\n", s->root);
    printf(" Debug Mode: false\n Experimental: false\n Live Restore Enabled: true\n");
}

/* -f/--format: the only flag of both commands */
static int format_flag(struct margs *p, const char **format, rbox_err **err)
{
    static const struct mopt opts[] = { { "format", 'f', true, 1 }, { NULL, 0, false, 0 } };
    const char *arg;
    int id;
    while ((id = margs_next(p, opts, &arg, err)) > 0)
        *format = arg;
    if (id == 0)
        id = margs_require(p, 0, 0, "no arguments", err);
    margs_free(p);
    return id;
}

/* print the document as --format asks; 0 when the text layout is wanted instead */
static int print_formatted(const char *format, json_w *w, int *status)
{
    rbox_err *err = NULL;
    struct fmt f;
    *status = 0;
    if (fmt_init(&f, format, NULL, &err) < 0) {
        *status = cmd_fail(err);
        return 1;
    }
    int r = 1;
    if (f.kind == FMT_JSON)
        printf("%s\n", jw_text(w, NULL));
    else if (f.kind == FMT_TEMPLATE && fmt_row_text(&f, jw_text(w, NULL), &err) < 0)
        *status = cmd_fail(err);
    else if (f.kind == FMT_TEMPLATE)
        fmt_print(&f, stdout);
    else
        r = 0;
    fmt_clear(&f);
    return r;
}

int cmd_info(struct cmd_ctx *c, int argc, char **argv)
{
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox info", .interspersed = true
    };
    rbox_err *err = NULL;
    const char *format = NULL;
    int r = format_flag(&p, &format, &err);
    if (r != 0)
        return r == MOPT_HELP ? cmd_help(info_usage) : cmd_fail(err);
    struct facts f;
    struct counts n;
    gather(c->s, &f);
    count(c->s, &n);
    json_w w;
    jw_init(&w, false);
    info_json(&w, c->s, &f, &n);
    int status;
    if (!print_formatted(format, &w, &status))
        info_text(c->s, &f, &n);
    jw_free(&w);
    return status;
}

static void version_json(json_w *w, const struct facts *f)
{
    jw_obj_open(w);
    jw_key(w, "Client");
    jw_obj_open(w);
    jw_kstr(w, "Version", RBOX_VERSION);
    jw_kstr(w, "GitCommit", RBOX_COMMIT);
    jw_kstr(w, "Os", "linux");
    jw_kstr(w, "Arch", f->goarch);
    jw_kstr(w, "Context", "default");
    jw_obj_close(w);
    jw_key(w, "Server");
    jw_obj_open(w);
    jw_key(w, "Platform");
    jw_obj_open(w);
    jw_kstr(w, "Name", "rbox");
    jw_obj_close(w);
    jw_key(w, "Components");
    jw_arr_open(w);
    const char *names[] = { "Engine", "rbox-monitor", "rbox-runtime" };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        jw_obj_open(w);
        jw_kstr(w, "Name", names[i]);
        jw_kstr(w, "Version", i == 2 ? f->rt_version : RBOX_VERSION);
        jw_key(w, "Details");
        jw_obj_open(w);
        jw_kstr(w, "GitCommit", i == 2 ? f->rt_commit : RBOX_COMMIT);
        if (i == 0) {
            jw_kstr(w, "Os", "linux");
            jw_kstr(w, "Arch", f->goarch);
            jw_kstr(w, "KernelVersion", f->u.release);
        }
        jw_obj_close(w);
        jw_obj_close(w);
    }
    jw_arr_close(w);
    jw_kstr(w, "Version", RBOX_VERSION);
    jw_kstr(w, "GitCommit", RBOX_COMMIT);
    jw_kstr(w, "Os", "linux");
    jw_kstr(w, "Arch", f->goarch);
    jw_kstr(w, "KernelVersion", f->u.release);
    jw_obj_close(w);
    jw_obj_close(w);
}

static void version_text(const struct facts *f)
{
    printf("Client:\n");
    printf(" %-19s%s\n", "Version:", RBOX_VERSION);
    printf(" %-19s%s\n", "Git commit:", RBOX_COMMIT);
    printf(" %-19slinux/%s\n", "OS/Arch:", f->goarch);
    printf(" %-19s%s\n", "Context:", "default");
    printf("\nServer: rbox\n");
    printf(" Engine:\n");
    printf("  %-18s%s\n", "Version:", RBOX_VERSION);
    printf("  %-18s%s\n", "Git commit:", RBOX_COMMIT);
    printf("  %-18slinux/%s\n", "OS/Arch:", f->goarch);
    printf(" rbox-monitor:\n");
    printf("  %-18s%s\n", "Version:", RBOX_VERSION);
    printf(" rbox-runtime:\n");
    printf("  %-18s%s\n", "Version:", f->rt_version);
    printf("  %-18s%s\n", "GitCommit:", f->rt_commit);
}

int cmd_version(struct cmd_ctx *c, int argc, char **argv)
{
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox version", .interspersed = true
    };
    rbox_err *err = NULL;
    const char *format = NULL;
    int r = format_flag(&p, &format, &err);
    if (r != 0)
        return r == MOPT_HELP ? cmd_help(version_usage) : cmd_fail(err);
    struct facts f;
    gather(c->s, &f);
    json_w w;
    jw_init(&w, false);
    version_json(&w, &f);
    int status;
    if (!print_formatted(format, &w, &status))
        version_text(&f);
    jw_free(&w);
    return status;
}
