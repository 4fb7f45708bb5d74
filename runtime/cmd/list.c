/* list.c - rbox-runtime list */
#define _GNU_SOURCE
#include "cli.h"
#include "json.h"
#include "passwd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] = "Usage: rbox-runtime list [flags]\n"
                            "\n"
                            "List the containers under --root.\n"
                            "\n"
                            "Flags:\n"
                            "  -f, --format table|json   output format (default table)\n"
                            "  -q, --quiet               print only the IDs\n";

enum { O_FORMAT = 1, O_QUIET };
static const struct cli_opt flags[] = {
    { "format", 'f', true, O_FORMAT },
    { "quiet", 'q', false, O_QUIET },
    { NULL, 0, false, 0 },
};

struct entry {
    struct rbox_state *st;
    enum container_status status;
};

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->st->id, ((const struct entry *)b)->st->id);
}

static void load_entries(const char *root, struct entry **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    state_sweep(root);
    _cleanup_closedir_ DIR *d = opendir(root);
    if (d == NULL)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        int dfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dfd < 0)
            continue;
        struct rbox_state *st = NULL;
        rbox_err *err = NULL;
        if (state_read(dfd, de->d_name, &st, &err) == 0) {
            *out = xrealloc(*out, (*n + 1) * sizeof(**out));
            (*out)[*n].st = st;
            (*out)[(*n)++].status = state_status(dfd, st);
        }
        rbox_err_free(err);
        close(dfd);
    }
    if (*n > 1)
        qsort(*out, *n, sizeof(**out), cmp_entry);
}

static void print_table(struct entry *e, size_t n)
{
    size_t w = 2;
    for (size_t i = 0; i < n; i++)
        if (strlen(e[i].st->id) > w)
            w = strlen(e[i].st->id);
    printf("%-*s   %-8s %-10s %-40s %-30s %s\n", (int)w, "ID", "PID", "STATUS", "BUNDLE", "CREATED",
           "OWNER");
    for (size_t i = 0; i < n; i++) {
        struct pw_entry pw = { 0 };
        char owner[32];
        snprintf(owner, sizeof(owner), "%u", (unsigned)e[i].st->owner);
        bool named = passwd_lookup("/etc/passwd", NULL, e[i].st->owner, &pw) == 0;
        printf("%-*s   %-8d %-10s %-40s %-30s %s\n", (int)w, e[i].st->id,
               e[i].status == ST_STOPPED ? 0 : (int)e[i].st->pid, status_name(e[i].status),
               e[i].st->bundle, e[i].st->created, named ? pw.name : owner);
        pw_entry_clear(&pw);
    }
}

int cmd_list(const struct global_opts *g, int argc, char **argv)
{
    rbox_err *err = NULL;
    struct cli_parser p = { .argc = argc, .argv = argv, .i = 1, .verb = "list" };
    const char *arg, *format = "table";
    bool quiet = false;
    int id;
    while ((id = cli_next(&p, flags, &arg, &err)) != 0) {
        if (id == CLI_HELP)
            return cli_usage(usage);
        if (id < 0)
            return cli_fail(err);
        if (id == O_FORMAT)
            format = arg;
        else
            quiet = true;
    }
    if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0) {
        rbox_error(&err, 0, "list: --format: unknown format \"%s\" (table or json)", format);
        return cli_fail(err);
    }
    if (cli_require_args(&p, 0, 0, "", &err) < 0)
        return cli_fail(err);
    struct entry *e;
    size_t n;
    load_entries(g->root, &e, &n);
    if (quiet) {
        for (size_t i = 0; i < n; i++)
            printf("%s\n", e[i].st->id);
    } else if (strcmp(format, "json") == 0) {
        printf("[");
        for (size_t i = 0; i < n; i++) {
            char *j = state_oci_json(e[i].st, e[i].status, false);
            printf("%s%s", i ? "," : "", j);
            free(j);
        }
        printf("]\n");
    } else {
        print_table(e, n);
    }
    for (size_t i = 0; i < n; i++)
        state_free(e[i].st);
    free(e);
    return 0;
}
