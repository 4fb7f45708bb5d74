/* mcli.c - rbox's flag parser. */
#define _GNU_SOURCE
#include "mcli.h"
#include "log.h"
#include "proto.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_fail(rbox_err *err)
{
    log_err_free(err);
    return EXIT_RBOX;
}

int cmd_help(const char *usage)
{
    fputs(usage, stdout);
    return 0;
}

bool cmd_confirm(const char *warning)
{
    printf("WARNING! %s\nAre you sure you want to continue? [y/N] ", warning);
    fflush(stdout);
    char answer[16] = "";
    return fgets(answer, sizeof(answer), stdin) != NULL && (answer[0] == 'y' || answer[0] == 'Y');
}

static const struct mopt *find_long(const struct mopt *opts, const char *name, size_t len)
{
    for (const struct mopt *o = opts; o && o->name; o++)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return o;
    return NULL;
}

static const struct mopt *find_short(const struct mopt *opts, char c)
{
    for (const struct mopt *o = opts; o && o->name; o++)
        if (o->short_name == c)
            return o;
    return NULL;
}

/* The rest of a combined short-flag group ("-aq"). */
static int next_short(struct margs *p, const struct mopt *opts, const char **arg, rbox_err **err)
{
    char c = *p->shorts++;
    const struct mopt *o = find_short(opts, c);
    if (o == NULL && c == 'h')
        return p->shorts = NULL, MOPT_HELP;
    if (o == NULL)
        return rbox_error(err, 0, "%s: unknown flag -%c (see '%s --help')", p->cmd, c, p->cmd);
    if (!o->has_arg) {
        if (*p->shorts == '\0')
            p->shorts = NULL;
        return o->id;
    }
    if (*p->shorts) {
        *arg = p->shorts + (*p->shorts == '=');
        p->shorts = NULL;
        return o->id;
    }
    p->shorts = NULL;
    if (p->i >= p->argc)
        return rbox_error(err, 0, "%s: flag -%c needs a value", p->cmd, c);
    *arg = p->argv[p->i++];
    return o->id;
}

/* Move to the next flag (positional arguments before it are collected in interspersed mode):
 * 1 when argv[i] is one, 0 when the flags are done. */
static int next_arg(struct margs *p)
{
    for (;;) {
        if (p->i >= p->argc)
            return 0;
        const char *a = p->argv[p->i];
        if (strcmp(a, "--") == 0) {
            p->i++;
            if (p->interspersed)
                while (p->i < p->argc)
                    strv_push(&p->pos, &p->npos, xstrdup(p->argv[p->i++]));
            return 0;
        }
        if (a[0] == '-' && a[1] != '\0')
            break;
        if (!p->interspersed)
            return 0;
        strv_push(&p->pos, &p->npos, xstrdup(a));
        p->i++;
    }
    return 1;
}

int margs_next(struct margs *p, const struct mopt *opts, const char **arg, rbox_err **err)
{
    *arg = NULL;
    if (p->shorts)
        return next_short(p, opts, arg, err);
    /* a loop, not a recursion: "--flag=false" is skipped, however many there are */
    const char *name;
    size_t len;
    const struct mopt *o;
    for (;;) {
        if (next_arg(p) == 0)
            return 0;
        const char *a = p->argv[p->i++];
        if (strcmp(a, "--help") == 0)
            return MOPT_HELP;
        if (a[1] != '-') {
            p->shorts = a + 1;
            return next_short(p, opts, arg, err);
        }
        name = a + 2;
        len = strcspn(name, "=");
        o = find_long(opts, name, len);
        if (o == NULL)
            return rbox_error(err, 0, "%s: unknown flag --%.*s (see '%s --help')", p->cmd, (int)len,
                              name, p->cmd);
        if (o->has_arg)
            break;
        if (name[len] != '=' || strcmp(name + len + 1, "true") == 0)
            return o->id;
        if (strcmp(name + len + 1, "false") != 0)
            return rbox_error(err, 0, "%s: flag --%s takes no value", p->cmd, o->name);
    }
    if (name[len] == '=') {
        *arg = name + len + 1;
        return o->id;
    }
    if (p->i >= p->argc)
        return rbox_error(err, 0, "%s: flag --%s needs a value", p->cmd, o->name);
    *arg = p->argv[p->i++];
    return o->id;
}

void margs_free(struct margs *p)
{
    strv_free(p->pos);
    p->pos = NULL;
    p->npos = 0;
}

int margs_count(const struct margs *p)
{
    return p->interspersed ? (int)p->npos : p->argc - p->i;
}

char *margs_at(const struct margs *p, int k)
{
    return p->interspersed ? p->pos[k] : p->argv[p->i + k];
}

int margs_require(const struct margs *p, int min, int max, const char *what, rbox_err **err)
{
    int n = margs_count(p);
    if (n < min)
        return rbox_error(err, 0, "%s: requires %s (see '%s --help')", p->cmd, what, p->cmd);
    if (max >= 0 && n > max)
        return rbox_error(err, 0, "%s: unexpected argument \"%s\" (see '%s --help')", p->cmd,
                          margs_at(p, max), p->cmd);
    return 0;
}

int margs_bools(struct margs *p, const struct mopt *opts, bool *flags, int value_id,
                const char **value, rbox_err **err)
{
    const char *arg;
    int id;
    while ((id = margs_next(p, opts, &arg, err)) != 0) {
        if (id < 0 || id == MOPT_HELP)
            return id;
        if (value_id && id == value_id)
            *value = arg;
        else
            flags[id] = true;
    }
    return 0;
}
