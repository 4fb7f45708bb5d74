/* ps.c - rbox-runtime ps: the processes in a container's cgroup. */
#define _GNU_SOURCE
#include "cli.h"
#include "json.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char usage[] =
    "Usage: rbox-runtime ps [flags] ID [PS-OPTIONS...]\n"
    "\n"
    "List the processes in the container's cgroup (host PIDs).\n"
    "\n"
    "  --format table   (default) run the host's `ps` with PS-OPTIONS (default -ef) and keep its\n"
    "                   header and the lines whose PID column is one of the container's\n"
    "  --format json    print a JSON array of the PIDs (PS-OPTIONS are not allowed)\n"
    "\n"
    "Flags:\n"
    "  -f, --format table|json   output format\n";

static const struct cli_opt flags[] = { { "format", 'f', true, 1 }, { NULL, 0, false, 0 } };

extern char **environ;

/* Run `ps ARGS...` and return its standard output. */
static int run_ps(char **args, int n, char **out, rbox_err **err)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0)
        return rbox_error(err, errno, "ps: pipe");
    char **argv = xcalloc((size_t)n + 3, sizeof(char *));
    argv[0] = (char *)"ps";
    for (int i = 0; i < n; i++)
        argv[i + 1] = args[i];
    if (n == 0)
        argv[1] = (char *)"-ef";
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
    pid_t pid;
    int rc = posix_spawnp(&pid, "ps", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    free(argv);
    close(pfd[1]);
    if (rc != 0) {
        close(pfd[0]);
        return rbox_error(err, rc, "ps: running the host's ps");
    }
    _cleanup_close_ int rfd = pfd[0];
    size_t cap = 4096, len = 0;
    char *buf = xmalloc(cap);
    ssize_t got;
    while ((got = read(rfd, buf + len, cap - len - 1)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            break;
        len += (size_t)got;
        if (cap - len < 2)
            buf = xrealloc(buf, cap *= 2);
    }
    buf[len] = '\0';
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        free(buf);
        return rbox_error(err, 0, "ps: the host's ps failed (exit status %d)",
                          WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
    *out = buf;
    return 0;
}

static bool has_pid(const pid_t *pids, size_t n, int pid)
{
    for (size_t i = 0; i < n; i++)
        if (pids[i] == pid)
            return true;
    return false;
}

/* The header and the lines whose PID column (found in the header) is one of pids. */
static int print_table(const pid_t *pids, size_t n, char **args, int nargs, rbox_err **err)
{
    _cleanup_free_ char *text = NULL;
    if (run_ps(args, nargs, &text, err) < 0)
        return -1;
    char *save = NULL;
    char *header = strtok_r(text, "\n", &save);
    if (header == NULL)
        return rbox_error(err, 0, "ps: the host's ps printed nothing");
    int col = -1, i = 0;
    _cleanup_free_ char *hcopy = xstrdup(header);
    char *hs = NULL;
    for (char *t = strtok_r(hcopy, " \t", &hs); t; t = strtok_r(NULL, " \t", &hs), i++)
        if (strcmp(t, "PID") == 0)
            col = i;
    if (col < 0)
        return rbox_error(err, 0, "ps: no PID column in the output of ps (add pid to -o)");
    printf("%s\n", header);
    for (char *line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        _cleanup_free_ char *copy = xstrdup(line);
        char *ls = NULL, *t = strtok_r(copy, " \t", &ls);
        for (int k = 0; t && k < col; k++)
            t = strtok_r(NULL, " \t", &ls);
        int pid;
        if (t && parse_int(t, &pid) == 0 && has_pid(pids, n, pid))
            printf("%s\n", line);
    }
    return 0;
}

static void print_json(const pid_t *pids, size_t n)
{
    json_w w;
    jw_init(&w, false);
    jw_arr_open(&w);
    for (size_t i = 0; i < n; i++)
        jw_int(&w, pids[i]);
    jw_arr_close(&w);
    printf("%s\n", jw_text(&w, NULL));
    jw_free(&w);
}

int cmd_ps(const struct global_opts *g, int argc, char **argv)
{
    rbox_err *err = NULL;
    struct cli_parser p = { .argc = argc, .argv = argv, .i = 1, .verb = "ps" };
    const char *arg, *format = "table";
    int id;
    while ((id = cli_next(&p, flags, &arg, &err)) != 0) {
        if (id == CLI_HELP)
            return cli_usage(usage);
        if (id < 0)
            return cli_fail(err);
        format = arg;
    }
    bool json = strcmp(format, "json") == 0;
    if (!json && strcmp(format, "table") != 0) {
        rbox_error(&err, 0, "ps: --format: unknown format \"%s\" (table or json)", format);
        return cli_fail(err);
    }
    if (cli_require_args(&p, 1, json ? 1 : -1, "container ID", &err) < 0)
        return cli_fail(err);
    struct container_ref ref;
    if (container_ref_open(g->root, argv[p.i], false, &ref, &err) < 0)
        return cli_fail(err);
    pid_t *pids = NULL;
    size_t n = 0;
    int ret = 0;
    if (ref.st->cgroup == NULL)
        ret = rbox_error(&err, 0, "container \"%s\" has no cgroup", ref.st->id);
    else
        ret = cgroup_pids(ref.st->cgroup, &pids, &n, &err);
    if (ret == 0 && json)
        print_json(pids, n);
    else if (ret == 0)
        ret = print_table(pids, n, argv + p.i + 1, cli_rest(&p) - 1, &err);
    free(pids);
    container_ref_close(&ref);
    return ret < 0 ? cli_fail(err) : 0;
}
