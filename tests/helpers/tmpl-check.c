/* tmpl-check - drives the --format template evaluator (manager/rbox/format) without rbox
 * around it, for tests/bats/manager/format.bats and the fuzz target.
 *
 *   tmpl-check TEMPLATE [JSON]        execute over JSON (default null); print the output as is
 *   tmpl-check --format SPEC [JSON...] what a command prints for --format SPEC over documents
 *
 * Errors: their one line on stderr, exit 1. */
#define _GNU_SOURCE
#include "format.h"
#include "json.h"
#include "template.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(rbox_err *err)
{
    fprintf(stderr, "%s\n", err->msg);
    rbox_err_free(err);
    return 1;
}

int main(int argc, char **argv)
{
    rbox_err *err = NULL;
    if (argc >= 3 && strcmp(argv[1], "--format") == 0) {
        static const char *const headers[] = { "ID",         "CONTAINER ID", "Names",  "NAMES",
                                               "Image",      "IMAGE",        "Status", "STATUS",
                                               "RunningFor", "CREATED",      NULL };
        struct fmt f;
        if (fmt_init(&f, argv[2], headers, &err) < 0)
            return fail(err);
        if (f.kind != FMT_TEMPLATE) {
            printf("%s\n", f.kind == FMT_JSON ? "(json)" : "(default)");
            fmt_clear(&f);
            return 0;
        }
        for (int i = 3; i < argc; i++)
            if (fmt_row_text(&f, argv[i], &err) < 0) {
                fmt_clear(&f);
                return fail(err);
            }
        fmt_print(&f, stdout);
        fmt_clear(&f);
        return 0;
    }
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: tmpl-check TEMPLATE [JSON] | --format SPEC [JSON...]\n");
        return 2;
    }
    _cleanup_yajl_ yajl_val doc = NULL;
    if (argc == 3 && json_parse(argv[2], "JSON", &doc, &err) < 0)
        return fail(err);
    struct tmpl *t;
    if (tmpl_parse(argv[1], &t, &err) < 0)
        return fail(err);
    char *out;
    size_t len;
    int r = tmpl_exec(t, doc, NULL, &out, &len, &err);
    tmpl_free(t);
    if (r < 0)
        return fail(err);
    fwrite(out, 1, len, stdout);
    free(out);
    return 0;
}
