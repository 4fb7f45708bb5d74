/* fuzz_template.c - libFuzzer target for the --format evaluator (manager/rbox/format).
 *
 * Input: a template, optionally followed by a NUL byte and a JSON document to run it over
 * (else a fixed document like inspect's). The first byte picks the path: odd runs it
 * through fmt_init/fmt_row/fmt_print as a command would (with the "table" prefix when it is
 * also >= 0x80), even through tmpl_parse/tmpl_exec, both passes (rows and the header).
 * Anything is fine but a crash, a leak, a sanitizer report or a hang.
 *
 * Built and run by tests/fuzz/fuzz.mk (`make fuzz FUZZ_TARGETS=template`), replayed by
 * tests/bats/fuzz_replay.bats.
 */
#define _GNU_SOURCE
#include "format.h"
#include "json.h"
#include "template.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char doc_text[] =
    "{\"Id\":\"0123456789abcdef\",\"Name\":\"/web\",\"State\":{\"Status\":\"running\","
    "\"Running\":true,\"Pid\":42,\"Error\":null},\"Config\":{\"Env\":[\"A=1\",\"B=2\"],"
    "\"Cmd\":[\"sleep\",\"100\"],\"Labels\":{\"b\":\"2\",\"a\":\"1\"}},\"Num\":3.5,"
    "\"Big\":1e300,\"Neg\":-9223372036854775808,\"Empty\":[],\"Map\":{},"
    "\"Mounts\":[{\"Source\":\"/s\",\"Destination\":\"/d\"}]}";

static const char *const headers[] = { "ID", "CONTAINER ID", "Names", "NAMES", NULL };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    data++, size--;
    char *in = malloc(size + 1);
    memcpy(in, data, size);
    in[size] = '\0';
    size_t tlen = strlen(in);
    const char *json = tlen < size ? in + tlen + 1 : doc_text;
    yajl_val doc = yajl_tree_parse(json, NULL, 0);
    if (!doc)
        doc = yajl_tree_parse(doc_text, NULL, 0);
    rbox_err *err = NULL;
    if (mode & 1) {
        char *spec = NULL;
        if (asprintf(&spec, "%s%s", mode >= 0x80 ? "table " : "", in) < 0)
            abort();
        struct fmt f;
        if (fmt_init(&f, spec, (mode & 2) ? NULL : headers, &err) == 0) {
            if (f.kind == FMT_TEMPLATE && fmt_row(&f, doc, &err) == 0 &&
                fmt_row(&f, doc, &err) == 0) {
                FILE *out = fopen("/dev/null", "we");
                if (out) {
                    fmt_print(&f, out);
                    fclose(out);
                }
            }
            fmt_clear(&f);
        }
        free(spec);
    } else {
        struct tmpl *t;
        if (tmpl_parse(in, &t, &err) == 0) {
            char *out = NULL;
            size_t len;
            if (tmpl_exec(t, doc, NULL, &out, &len, &err) == 0)
                free(out);
            struct tmpl_opts o = { .header = true, .headers = headers };
            rbox_err_free(err);
            err = NULL;
            if (tmpl_exec(t, doc, &o, &out, &len, &err) == 0)
                free(out);
            tmpl_free(t);
        }
    }
    rbox_err_free(err);
    yajl_tree_free(doc);
    free(in);
    return 0;
}
