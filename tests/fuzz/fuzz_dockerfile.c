/* fuzz_dockerfile.c - libFuzzer target for the Containerfile parser and word lexer
 * (manager/rbox/build/parse.h).
 *
 * Input: a Containerfile. It is parsed; when that succeeds, every instruction's properties are
 * checked (a line number within the text, a name, args) and each shell-form argument goes
 * through bf_words, bf_fields and bf_expand (and ENV/LABEL/ARG through bf_pairs) with a few
 * variables set, as the builder would. A failing parse must leave an error message.
 * Anything is fine but a crash, a leak, a sanitizer report or a hang.
 *
 * Built and run by tests/fuzz/fuzz.mk (`make fuzz FUZZ_TARGETS=dockerfile`), replayed by
 * tests/bats/fuzz_replay.bats.
 */
#define _GNU_SOURCE
#include "fuzz.h"
#include "parse.h"
#include "util.h"

static const char *lookup(void *ctx, const char *name)
{
    (void)ctx;
    if (strcmp(name, "A") == 0)
        return "a b";
    if (strcmp(name, "E") == 0)
        return "";
    if (strcmp(name, "Q") == 0)
        return "'\"$A\\";
    return NULL;
}

static void lex_all(const struct bf_instr *in, char esc)
{
    rbox_err *err = NULL;
    if (in->json)
        return;
    char **w = NULL, *s = NULL;
    if (bf_words(in->args[0], esc, &w, &err) == 0)
        for (char **p = w; *p; p++) {
            if (bf_expand(*p, esc, lookup, NULL, &s, &err) == 0)
                free(s);
            rbox_err_free(err);
            err = NULL;
        }
    strv_free(w);
    rbox_err_free(err);
    err = NULL;
    if (bf_fields(in->args[0], esc, lookup, NULL, &w, &err) == 0)
        strv_free(w);
    rbox_err_free(err);
    err = NULL;
    if (in->kind == BF_ENV || in->kind == BF_LABEL || in->kind == BF_ARG) {
        char **k, **v;
        size_t n;
        FUZZ_ASSERT(bf_pairs(in, esc, &k, &v, &n, &err) == 0, "pairs failed after parse");
        for (size_t i = 0; i < n; i++)
            FUZZ_ASSERT(k[i] && *k[i], "empty key");
        bf_pairs_free(k, v, n);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_str(data, size);
    size_t lines = 1;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    struct bf_file f;
    rbox_err *err = NULL;
    if (bf_parse(text, "Containerfile", &f, &err) == 0) {
        FUZZ_ASSERT(f.n > 0, "no instructions");
        FUZZ_ASSERT(f.escape == '\\' || f.escape == '`', "escape %c", f.escape);
        for (size_t i = 0; i < f.n; i++) {
            const struct bf_instr *in = &f.v[i];
            FUZZ_ASSERT(in->line >= 1 && (size_t)in->line <= lines, "line %d", in->line);
            FUZZ_ASSERT(in->text && in->flags && in->args, "missing parts");
            FUZZ_ASSERT(in->json || in->nargs == 1, "shell form with %zu args", in->nargs);
            FUZZ_ASSERT(strcmp(bf_kind_name(in->kind), "?") != 0, "unnamed kind");
            FUZZ_ASSERT((in->kind == BF_ONBUILD) == (in->sub != NULL), "ONBUILD trigger");
            lex_all(in, f.escape);
            if (in->sub)
                lex_all(in->sub, f.escape);
        }
        bf_file_clear(&f);
    } else {
        FUZZ_ASSERT(err && err->msg && *err->msg, "error without a message");
        FUZZ_ASSERT(!strchr(err->msg, '\n'), "multi-line error: %s", err->msg);
        rbox_err_free(err);
    }
    free(text);
    return 0;
}
