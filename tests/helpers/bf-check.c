/* bf-check - drives the Containerfile parser and lexer (manager/rbox/build/parse.h) without rbox
 * around it, for tests/bats/manager/build_parse.bats.
 *
 *   bf-check FILE                       one line per instruction:
 *                                       LINE KIND [--flag]... json|shell <arg>[<arg>]...
 *                                       (ONBUILD: the trigger follows "->")
 *   bf-check --expand WORD [K=V]...     bf_expand with those variables, printed as <value>
 *   bf-check --fields LINE [K=V]...     bf_fields: each field as <field>
 *   bf-check --pairs LINE               ENV's KEY=VALUE pairs: <key>=<value> (value raw)
 * A leading --escape=` switches the escape character for --expand/--fields.
 * Errors: their one line on stderr, exit 1. */
#define _GNU_SOURCE
#include "parse.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(rbox_err *err)
{
    fprintf(stderr, "%s\n", err->msg);
    rbox_err_free(err);
    return 1;
}

static char **vars;

static const char *lookup(void *ctx, const char *name)
{
    (void)ctx;
    size_t l = strlen(name);
    for (char **v = vars; v && *v; v++)
        if (strncmp(*v, name, l) == 0 && (*v)[l] == '=')
            return *v + l + 1;
    return NULL;
}

static void print_instr(const struct bf_instr *in)
{
    printf("%s", bf_kind_name(in->kind));
    for (char **f = in->flags; *f; f++)
        printf(" %s", *f);
    printf(" %s ", in->json ? "json" : "shell");
    for (size_t i = 0; i < in->nargs; i++)
        printf("<%s>", in->args[i]);
    if (in->sub) {
        printf(" -> ");
        print_instr(in->sub);
    }
}

int main(int argc, char **argv)
{
    rbox_err *err = NULL;
    char esc = '\\';
    if (argc > 1 && strncmp(argv[1], "--escape=", 9) == 0) {
        esc = argv[1][9];
        argv++, argc--;
    }
    if (argc >= 3 && strcmp(argv[1], "--expand") == 0) {
        vars = argv + 3;
        char *out;
        if (bf_expand(argv[2], esc, lookup, NULL, &out, &err) < 0)
            return fail(err);
        printf("<%s>\n", out);
        free(out);
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "--fields") == 0) {
        vars = argv + 3;
        char **out;
        if (bf_fields(argv[2], esc, lookup, NULL, &out, &err) < 0)
            return fail(err);
        for (char **f = out; *f; f++)
            printf("<%s>", *f);
        printf("\n");
        strv_free(out);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "--pairs") == 0) {
        struct bf_instr in;
        char **k, **v;
        size_t n;
        if (bf_parse_line(argv[2], 1, esc, "line", &in, &err) < 0)
            return fail(err);
        if (bf_pairs(&in, esc, &k, &v, &n, &err) < 0) {
            bf_instr_clear(&in);
            return fail(err);
        }
        for (size_t i = 0; i < n; i++)
            printf("<%s>=%s%s%s\n", k[i], v[i] ? "<" : "", v[i] ? v[i] : "(none)", v[i] ? ">" : "");
        bf_pairs_free(k, v, n);
        bf_instr_clear(&in);
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: bf-check FILE | --expand WORD [K=V]... | --fields LINE "
                        "[K=V]... | --pairs LINE\n");
        return 2;
    }
    char *text;
    size_t len;
    if (read_file_at(AT_FDCWD, argv[1], &text, &len) < 0) {
        perror(argv[1]);
        return 1;
    }
    const char *base = strrchr(argv[1], '/');
    struct bf_file f;
    int r = bf_parse(text, base ? base + 1 : argv[1], &f, &err);
    free(text);
    if (r < 0)
        return fail(err);
    printf("escape %c\n", f.escape);
    for (size_t i = 0; i < f.n; i++) {
        printf("%d ", f.v[i].line);
        print_instr(&f.v[i]);
        printf("\n");
    }
    bf_file_clear(&f);
    return 0;
}
