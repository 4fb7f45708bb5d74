/* cli.c - flag parsing and error printing for the verbs. */
#define _GNU_SOURCE
#include "cli.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_next(struct cli_parser *p, const struct cli_opt *opts, const char **arg, rbox_err **err)
{
    *arg = NULL;
    if (p->i >= p->argc)
        return 0;
    const char *a = p->argv[p->i];
    if (strcmp(a, "--") == 0) {
        p->i++;
        return 0;
    }
    if (a[0] != '-' || a[1] == '\0')
        return 0;
    p->i++;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
        return CLI_HELP;
    const struct cli_opt *o = NULL;
    const char *inline_val = NULL;
    /* "--name[=value]"; like urfave/cli, "-name[=value]" works for long names too */
    const char *name = a + (a[1] == '-' ? 2 : 1);
    size_t len = strcspn(name, "=");
    for (const struct cli_opt *x = opts; x && x->name; x++)
        if (strlen(x->name) == len && strncmp(x->name, name, len) == 0)
            o = x;
    if (o && name[len] == '=')
        inline_val = name + len + 1;
    if (o == NULL && a[1] != '-') {
        /* "-x", "-x=value", "-xvalue" */
        for (const struct cli_opt *x = opts; x && x->name; x++)
            if (x->short_name && x->short_name == a[1])
                o = x;
        if (o && a[2] != '\0')
            inline_val = a + 2 + (a[2] == '=');
    }
    if (o == NULL)
        return rbox_error(err, 0, "%s: unknown flag %s (see '%s --help')", p->verb, a, p->verb);
    if (!o->has_arg) {
        if (inline_val && strcmp(inline_val, "true") != 0 && strcmp(inline_val, "1") != 0) {
            if (strcmp(inline_val, "false") == 0 || strcmp(inline_val, "0") == 0)
                return cli_next(p, opts, arg, err); /* --flag=false: as if absent */
            return rbox_error(err, 0, "%s: flag --%s takes no value", p->verb, o->name);
        }
        return o->id;
    }
    if (inline_val) {
        *arg = inline_val;
        return o->id;
    }
    if (p->i >= p->argc)
        return rbox_error(err, 0, "%s: flag --%s needs a value", p->verb, o->name);
    *arg = p->argv[p->i++];
    return o->id;
}

int cli_parse_int(const char *flag, const char *v, int min, int max, int *out, rbox_err **err)
{
    int x;
    if (parse_int(v, &x) < 0 || x < min || x > max)
        return rbox_error(err, 0, "%s: invalid value \"%s\" (expected an integer from %d to %d)",
                          flag, v, min, max);
    *out = x;
    return 0;
}

int cli_usage(const char *usage)
{
    fputs(usage, stdout);
    return 0;
}

int cli_fail(rbox_err *err)
{
    log_err_free(err);
    return 1;
}

int cli_fail_exec(rbox_err *err)
{
    /* the user's command could not be exec'd: the shell's 127/126 */
    int code = err && strncmp(err->msg, "exec", 4) == 0 ? rbox_exec_exit_code(err) : 1;
    int r = cli_fail(err);
    return code != 1 ? code : r;
}

int cli_require_args(struct cli_parser *p, int min, int max, const char *what, rbox_err **err)
{
    int n = cli_rest(p);
    if (n < min)
        return rbox_error(err, 0, "%s: missing %s (see '%s --help')", p->verb, what, p->verb);
    if (max >= 0 && n > max)
        return rbox_error(err, 0, "%s: unexpected argument \"%s\" (see '%s --help')", p->verb,
                          p->argv[p->i + max], p->verb);
    return 0;
}
