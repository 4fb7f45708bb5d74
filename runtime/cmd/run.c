/* run.c - rbox-runtime run: create + start + wait + delete in one process. */
#define _GNU_SOURCE
#include "cli.h"
#include "foreground.h"
#include "hooks.h"
#include "json.h"
#include "log.h"
#include "terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

static const char usage[] =
    "Usage: rbox-runtime run [flags] ID\n"
    "\n"
    "Create and start a container, forward signals to it, wait for it to exit, delete it,\n"
    "and exit with its status (128+N when killed by signal N). With process.terminal and no\n"
    "--console-socket, the container's pty is relayed to this terminal (raw mode, resized on\n"
    "SIGWINCH). Socket-activation fds (LISTEN_FDS/LISTEN_PID) are passed on as fds 3...\n"
    "\n"
    "Flags:\n"
    "  -b, --bundle DIR          bundle directory (default: current directory)\n"
    "  -d, --detach              return once the process runs (do not wait, do not delete)\n"
    "  --pid-file FILE           write the init's host PID to FILE\n"
    "  --console-socket PATH     unix socket that receives the pty master (process.terminal)\n"
    "  --no-pivot                use MS_MOVE + chroot instead of pivot_root\n"
    "  --no-new-keyring          accepted for runc compatibility\n"
    "  --preserve-fds N          pass fds 3..3+N-1 to the container process\n"
    "  --keep                    do not delete the container when it exits: it stays stopped\n"
    "                            (state and cgroup) until 'delete'\n"
    "  --stats FILE              once the process has exited, write the container's final\n"
    "                            statistics to FILE as 'events --stats' prints them (one JSON\n"
    "                            line; cpu, memory and pids only), with \"exit\": {\"code\",\n"
    "                            \"signal\"} of the process, before the cgroup is removed\n";

extern const struct cli_opt create_flags[];
int create_flag(struct create_opts *o, int id, const char *arg, rbox_err **err);

enum { O_DETACH = 100, O_KEEP, O_STATS };
static struct cli_opt run_flags[16];

static void init_flags(void)
{
    size_t n = 0;
    for (const struct cli_opt *f = create_flags; f->name; f++)
        run_flags[n++] = *f;
    run_flags[n++] = (struct cli_opt){ "detach", 'd', false, O_DETACH };
    run_flags[n++] = (struct cli_opt){ "keep", 0, false, O_KEEP };
    run_flags[n++] = (struct cli_opt){ "stats", 0, true, O_STATS };
    run_flags[n] = (struct cli_opt){ NULL, 0, false, 0 };
}

/* The final counters of the stopped container, in the shape of `events --stats` (what librbox
 * and the monitor read the verdict's counters from), read before the cgroup goes away: what
 * `run --stats FILE` writes and `serve` sends. A malloc'd string without a newline. */
char *run_stats_text(const struct container *c, int status, size_t *len)
{
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_kstr(&w, "type", "stats");
    jw_kstr(&w, "id", c->st->id);
    /* how the init ended: the exit status alone cannot tell exit(137) from SIGKILL */
    jw_key(&w, "exit");
    jw_obj_open(&w);
    jw_kint(&w, "code", status < 0 ? -1 : foreground_exit_code(status));
    jw_kint(&w, "signal", status >= 0 && WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    jw_obj_close(&w);
    if (c->st->cgroup) {
        jw_key(&w, "data");
        if (cgroup_stats_json_brief(c->st->cgroup, &w, NULL) < 0)
            jw_null(&w);
    }
    jw_obj_close(&w);
    char *out = xstrdup(jw_text(&w, len));
    jw_free(&w);
    return out;
}

static int write_stats(const char *path, const struct container *c, int status, rbox_err **err)
{
    size_t len;
    _cleanup_free_ char *text = run_stats_text(c, status, &len);
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write_all(fd, text, len) < 0 || write_all(fd, "\n", 1) < 0)
        return rbox_error(err, errno, "--stats: writing %s", path);
    return 0;
}

int cmd_run(const struct global_opts *g, int argc, char **argv)
{
    rbox_err *err = NULL;
    struct create_opts o = { .mode = MODE_RUN };
    bool detach = false, keep = false;
    const char *stats = NULL;
    struct cli_parser p = { .argc = argc, .argv = argv, .i = 1, .verb = "run" };
    const char *arg;
    int id;
    init_flags();
    while ((id = cli_next(&p, run_flags, &arg, &err)) != 0) {
        if (id == CLI_HELP)
            return cli_usage(usage);
        if (id == O_DETACH)
            detach = true;
        else if (id == O_KEEP)
            keep = true;
        else if (id == O_STATS)
            stats = arg;
        else if (id < 0 || create_flag(&o, id, arg, &err) < 0)
            return cli_fail(err);
    }
    if (cli_require_args(&p, 1, 1, "container ID", &err) < 0)
        return cli_fail(err);
    o.id = argv[p.i];
    o.detach = detach;
    sigset_t old;
    int sfd = -1;
    if (!detach) {
        /* Block before clone so no signal is lost; the init unblocks its own mask. The
         * double-fork path reparents the init to us only if we are a subreaper. */
        prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        if ((sfd = foreground_signals(&old, &err)) < 0)
            return cli_fail(err);
    }
    struct container *c = NULL;
    if (container_create(g, &o, &c, &err) < 0 || container_start_run(c, &err) < 0) {
        /* --keep: a container whose process failed to start stays too (stopped), as in runc */
        if (c && !keep)
            container_destroy(g, c->dirfd, c->st, true, NULL);
        container_free(c);
        return cli_fail_exec(err);
    }
    if (c->st->has_poststart && container_poststart(g, c->dirfd, c->st, c->cfg, &err) < 0) {
        container_free(c);
        return cli_fail(err);
    }
    if (detach) {
        container_free(c);
        return 0;
    }
    /* a terminal and no --console-socket: the init sent us the pty master; relay it */
    _cleanup_close_ int master = -1;
    if (c->console_fd >= 0 && terminal_recv_master(c->console_fd, &master, &err) < 0) {
        container_destroy(g, c->dirfd, c->st, true, NULL);
        container_free(c);
        return cli_fail(err);
    }
    log_debug("run %s: the process runs", o.id);
    int status = foreground_wait(c->pid, sfd, master);
    log_debug("run %s: the process exited, reaped", o.id);
    if (stats && write_stats(stats, c, status, &err) < 0) {
        log_err_free(err);
        err = NULL;
    }
    /* --keep: the stopped container (state, cgroup) stays for inspection; `delete` removes it */
    int ret = keep ? 0 : container_destroy(g, c->dirfd, c->st, true, &err);
    container_free(c);
    if (ret < 0)
        log_err_free(err);
    return status < 0 ? 1 : foreground_exit_code(status);
}
