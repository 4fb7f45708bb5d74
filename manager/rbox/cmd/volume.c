/* volume.c - rbox volume create, ls, inspect, rm, prune. */
#define _GNU_SOURCE
#include "cmdcore.h"
#include "format.h"
#include "json.h"
#include "mcli.h"
#include "proto.h"
#include "store.h"
#include "util.h"
#include "volume.h"
#include "volume_filter.h"
#include "runflags.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char volume_usage[] =
    "Usage: rbox volume COMMAND\n"
    "\n"
    "Named volumes: directories in the store (<root>/volumes/NAME/_data) that containers mount\n"
    "with -v NAME:/path. They outlive the containers that use them.\n"
    "\n"
    "Commands:\n"
    "  create [-l K=V] [NAME]\n"
    "                    create a volume (a generated name without NAME); prints its name\n"
    "  ls [-q] [-f KEY=VALUE] [--format F]\n"
    "                    list volumes (F: table, json, a Go template)\n"
    "  inspect [-f F] NAME...\n"
    "                    print a JSON array describing volumes, or a template per volume\n"
    "  rm [-f] NAME...   remove volumes\n"
    "  prune [-f]        remove every volume no container uses\n";

static const char create_usage[] =
    "Usage: rbox volume create [OPTIONS] [NAME]\n"
    "\n"
    "Create a named volume (NAME: [a-zA-Z0-9][a-zA-Z0-9_.-]+, 2-255 characters; a random name\n"
    "without it) and print its name. Creating an existing volume only prints its name.\n"
    "'run -v NAME:/path' creates a missing volume too.\n"
    "\n"
    "Options:\n"
    "  -l, --label KEY[=VALUE]   a label (repeatable; volume ls --filter label=)\n";

static const char ls_usage[] =
    "Usage: rbox volume ls [OPTIONS]\n"
    "\n"
    "List volumes, by name.\n"
    "\n"
    "Options:\n"
    "  -f, --filter KEY=VALUE   only the volumes it matches (repeatable: values of one key\n"
    "                           are ORed, keys ANDed): name= (a regular expression),\n"
    "                           label=KEY or KEY=VALUE (every label must match),\n"
    "                           dangling=true|false (no container uses it), driver=local\n"
    "  -q, --quiet              only the names\n"
    "      --format F           table (default), json (one object per line), a Go template\n"
    "                           ('{{.Name}}') or 'table TEMPLATE'\n";

static const char inspect_usage[] =
    "Usage: rbox volume inspect [OPTIONS] NAME [NAME...]\n"
    "\n"
    "Print a JSON array describing volumes.\n"
    "\n"
    "Options:\n"
    "  -f, --format F   json (default) or a Go template over each volume ('{{.Mountpoint}}')\n";

/* docker's column titles of volume ls --format 'table ...' */
static const char *const volume_headers[] = { "Name",   "VOLUME NAME", "Driver",     "DRIVER",
                                              "Scope",  "SCOPE",       "Mountpoint", "MOUNTPOINT",
                                              "Labels", "LABELS",      "CreatedAt",  "CREATED AT",
                                              NULL };

static const char rm_usage[] =
    "Usage: rbox volume rm [OPTIONS] NAME [NAME...]\n"
    "\n"
    "Remove volumes and their data. A volume that a container uses (running or not) is\n"
    "refused.\n"
    "\n"
    "Options:\n"
    "  -f, --force   remove it even when stopped containers use it (never while one runs;\n"
    "                those containers then fail to start)\n";

static int volume_create_cmd(struct cmd_ctx *c, int argc, char **argv)
{
    static const struct mopt opts[] = { { "label", 'l', true, 1 }, { NULL, 0, false, 0 } };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox volume create", .interspersed = true
    };
    rbox_err *err = NULL;
    struct run_flags rf = { 0 };
    const char *arg;
    int r;
    while ((r = margs_next(&p, opts, &arg, &err)) > 0)
        if (rf_set_flag(&rf, "label", arg, &err) < 0) {
            r = -1;
            break;
        }
    if (r == 0)
        r = margs_require(&p, 0, 1, "at most one NAME", &err);
    char generated[ID_LEN + 1];
    id_generate(generated);
    _cleanup_free_ char *vname =
        xstrdup(r == 0 && margs_count(&p) == 1 ? margs_at(&p, 0) : generated);
    margs_free(&p);
    if (r != 0) {
        rf_clear(&rf);
        return r == MOPT_HELP ? cmd_help(create_usage) : cmd_fail(err);
    }
    if (store_lock(c->s, &err) < 0 ||
        volume_create_labeled(c->s, vname, NULL, rf.labels, NULL, &err) < 0) {
        store_unlock(c->s);
        rf_clear(&rf);
        return cmd_fail(err);
    }
    store_unlock(c->s);
    rf_clear(&rf);
    printf("%s\n", vname);
    return 0;
}

static void rfc3339(int64_t ns, char *buf, size_t len)
{
    struct timespec t = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
    format_time_rfc3339(&t, buf, len);
}

void volume_json(json_w *w, const struct volume *v)
{
    char created[48];
    rfc3339(v->created_ns, created, sizeof(created));
    jw_obj_open(w);
    jw_kstr(w, "CreatedAt", created);
    jw_kstr(w, "Driver", "local");
    jw_key(w, "Labels");
    jw_obj_open(w);
    for (size_t i = 0; v->labels && v->labels[i]; i++) {
        _cleanup_free_ char *k = xstrndup(v->labels[i], strcspn(v->labels[i], "="));
        jw_kstr(w, k, v->labels[i][strlen(k)] ? v->labels[i] + strlen(k) + 1 : "");
    }
    jw_obj_close(w);
    jw_kstr(w, "Mountpoint", v->mountpoint);
    jw_kstr(w, "Name", v->name);
    jw_key(w, "Options");
    jw_obj_open(w);
    jw_obj_close(w);
    jw_kstr(w, "Scope", "local");
    jw_kstr(w, "CreatedBy", v->created_by); /* rbox: the container that created it */
    jw_obj_close(w);
}

static int volume_ls_cmd(struct cmd_ctx *c, int argc, char **argv)
{
    static const struct mopt opts[] = { { "quiet", 'q', false, 1 },
                                        { "format", 0, true, 3 },
                                        { "filter", 'f', true, 2 },
                                        { NULL, 0, false, 0 } };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox volume ls", .interspersed = true
    };
    rbox_err *err = NULL;
    bool f[4] = { false };
    const char *format = "table", *arg;
    struct fmt fm;
    __attribute__((cleanup(vf_clear))) struct vol_filter vf = { 0 };
    int r;
    while ((r = margs_next(&p, opts, &arg, &err)) > 0) {
        if (r == 3)
            format = arg;
        else if (r == 1)
            f[1] = true;
        else if (vf_add(&vf, arg, &err) < 0)
            break;
    }
    if (r > 0)
        r = -1;
    if (r == 0)
        r = margs_require(&p, 0, 0, "no arguments", &err);
    margs_free(&p);
    if (r == 0)
        r = fmt_init(&fm, format, volume_headers, &err);
    if (r != 0)
        return r == MOPT_HELP ? cmd_help(ls_usage) : cmd_fail(err);
    _cleanup_strv_ char **names = NULL;
    size_t n;
    if (volume_list(c->s, &names, &n, &err) < 0) {
        fmt_clear(&fm);
        return cmd_fail(err);
    }
    bool json = fm.kind == FMT_JSON, tmpl = fm.kind == FMT_TEMPLATE && !f[1];
    if (!f[1] && fm.kind == FMT_DEFAULT)
        printf("%-10s%s\n", "DRIVER", "VOLUME NAME");
    for (size_t i = 0; i < n; i++) {
        struct volume v;
        if (volume_load(c->s, names[i], &v, NULL) < 0)
            continue; /* removed meanwhile */
        if (!vf_match(&vf, c->s, &v)) {
            volume_clear(&v);
            continue;
        }
        if (tmpl) {
            json_w w;
            jw_init(&w, false);
            volume_json(&w, &v);
            r = fmt_row_text(&fm, jw_text(&w, NULL), &err);
            jw_free(&w);
            if (r < 0) {
                volume_clear(&v);
                fmt_clear(&fm);
                return cmd_fail(err);
            }
        } else if (json && !f[1]) {
            json_w w;
            jw_init(&w, false);
            volume_json(&w, &v);
            printf("%s\n", jw_text(&w, NULL));
            jw_free(&w);
        } else if (f[1]) {
            printf("%s\n", v.name);
        } else {
            printf("%-10s%s\n", "local", v.name);
        }
        volume_clear(&v);
    }
    fmt_print(&fm, stdout);
    fmt_clear(&fm);
    return 0;
}

static int volume_inspect_cmd(struct cmd_ctx *c, int argc, char **argv)
{
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox volume inspect", .interspersed = true
    };
    static const struct mopt opts[] = { { "format", 'f', true, 3 }, { NULL, 0, false, 0 } };
    rbox_err *err = NULL;
    bool f[4] = { false };
    const char *format = NULL;
    struct fmt fm;
    int r = margs_bools(&p, opts, f, 3, &format, &err);
    if (r == 0)
        r = margs_require(&p, 1, -1, "at least one NAME", &err);
    if (r == 0)
        r = fmt_init(&fm, format, NULL, &err);
    if (r != 0) {
        margs_free(&p);
        return r == MOPT_HELP ? cmd_help(inspect_usage) : cmd_fail(err);
    }
    if (fm.kind == FMT_TEMPLATE) {
        int ret = 0;
        for (int k = 0; k < margs_count(&p); k++) {
            struct volume v;
            if (volume_load(c->s, margs_at(&p, k), &v, &err) < 0) {
                ret = cmd_fail(err);
                err = NULL;
                continue;
            }
            json_w w;
            jw_init(&w, false);
            volume_json(&w, &v);
            volume_clear(&v);
            r = fmt_row_text(&fm, jw_text(&w, NULL), &err);
            jw_free(&w);
            if (r < 0) {
                fmt_clear(&fm);
                margs_free(&p);
                return cmd_fail(err);
            }
        }
        fmt_print(&fm, stdout);
        fmt_clear(&fm);
        margs_free(&p);
        return ret;
    }
    fmt_clear(&fm);
    json_w w;
    jw_init(&w, true);
    jw_arr_open(&w);
    int ret = 0;
    for (int k = 0; k < margs_count(&p); k++) {
        struct volume v;
        if (volume_load(c->s, margs_at(&p, k), &v, &err) < 0) {
            ret = cmd_fail(err);
            err = NULL;
            continue;
        }
        volume_json(&w, &v);
        volume_clear(&v);
    }
    jw_arr_close(&w);
    printf("%s\n", jw_text(&w, NULL));
    jw_free(&w);
    margs_free(&p);
    return ret;
}

static int volume_rm_cmd(struct cmd_ctx *c, int argc, char **argv)
{
    static const struct mopt opts[] = { { "force", 'f', false, 1 }, { NULL, 0, false, 0 } };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox volume rm", .interspersed = true
    };
    rbox_err *err = NULL;
    bool f[4] = { false };
    const char *format = NULL;
    int r = margs_bools(&p, opts, f, 3, &format, &err);
    if (r == 0)
        r = margs_require(&p, 1, -1, "at least one NAME", &err);
    if (r != 0) {
        margs_free(&p);
        return r == MOPT_HELP ? cmd_help(rm_usage) : cmd_fail(err);
    }
    int ret = 0;
    for (int k = 0; k < margs_count(&p); k++) {
        if (volume_remove(c->s, margs_at(&p, k), f[1], &err) < 0) {
            ret = cmd_fail(err);
            err = NULL;
        } else {
            printf("%s\n", margs_at(&p, k));
        }
    }
    margs_free(&p);
    return ret;
}

static const char prune_usage[] =
    "Usage: rbox volume prune [OPTIONS]\n"
    "\n"
    "Remove every volume that no container uses, running or not (as podman does; rbox has no\n"
    "anonymous volumes, so docker's --all is implied). Asks first unless --force.\n"
    "\n"
    "Options:\n"
    "  -f, --force   do not ask for confirmation\n";

static int volume_prune_cmd(struct cmd_ctx *c, int argc, char **argv)
{
    static const struct mopt opts[] = { { "force", 'f', false, 1 }, { NULL, 0, false, 0 } };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox volume prune", .interspersed = true
    };
    rbox_err *err = NULL;
    bool f[4] = { false };
    const char *format = NULL;
    int r = margs_bools(&p, opts, f, 3, &format, &err);
    if (r == 0)
        r = margs_require(&p, 0, 0, "no arguments", &err);
    margs_free(&p);
    if (r != 0)
        return r == MOPT_HELP ? cmd_help(prune_usage) : cmd_fail(err);
    if (!f[1] && !cmd_confirm("This will remove all volumes not used by at least one container."))
        return 0;
    /* one store lock for the whole pass: no container can start using a volume meanwhile */
    if (store_lock(c->s, &err) < 0)
        return cmd_fail(err);
    _cleanup_strv_ char **names = NULL;
    size_t n = 0;
    if (volume_list(c->s, &names, &n, &err) < 0)
        return cmd_fail(err);
    int ret = 0;
    bool header = false;
    for (size_t i = 0; i < n; i++) {
        _cleanup_strv_ char **users = NULL;
        size_t nusers, running;
        if (volume_users(c->s, names[i], &users, &nusers, &running, &err) < 0 ||
            (nusers == 0 && volume_remove(c->s, names[i], false, &err) < 0)) {
            ret = cmd_fail(err);
            err = NULL;
            continue;
        }
        if (nusers)
            continue;
        if (!header)
            printf("Deleted Volumes:\n");
        header = true;
        printf("%s\n", names[i]);
    }
    store_unlock(c->s);
    return ret;
}

int cmd_volume(struct cmd_ctx *c, int argc, char **argv)
{
    static const struct {
        const char *name;
        cmd_fn fn;
    } sub[] = {
        { "create", volume_create_cmd },   { "ls", volume_ls_cmd }, { "list", volume_ls_cmd },
        { "inspect", volume_inspect_cmd }, { "rm", volume_rm_cmd }, { "remove", volume_rm_cmd },
        { "prune", volume_prune_cmd },
    };
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return argc < 2 ? (fputs(volume_usage, stderr), EXIT_RBOX) : cmd_help(volume_usage);
    for (size_t i = 0; i < ARRAY_SIZE(sub); i++)
        if (strcmp(argv[1], sub[i].name) == 0)
            return sub[i].fn(c, argc - 1, argv + 1);
    rbox_err *err = NULL;
    rbox_error(&err, 0, "rbox volume: unknown command \"%s\" (see 'rbox volume --help')", argv[1]);
    return cmd_fail(err);
}
