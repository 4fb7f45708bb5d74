/* fuzz_flags.c - the run/create flag parser: margs_next (manager/rbox/mcli.c) over run's table, each
 * value's parser (set_flag: memory, cpus, capabilities, signals, durations, -v, --tmpfs, ...)
 * and the checks across flags (sbx_finish). Input: the arguments after "rbox run",
 * NUL-separated; the first byte picks run (even) or create (odd).
 *
 * --env-file, --report and --security-opt seccomp= read the host's files: inputs naming them
 * are skipped (their parsers have targets of their own: fuzz_seccomp; the others only read).
 * The run_req and set_flag are manager/rbox/cmd/run.c's own: the file is included. */
#define _GNU_SOURCE
#include "../../manager/rbox/cmd/run.c"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    bool run = !(data[0] & 1);
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    size_t argc = 1;
    for (size_t i = 0; i + 1 < size; i++)
        argc += text[i] == '\0';
    char **argv = calloc(argc + 2, sizeof(char *));
    argv[0] = run ? "run" : "create";
    size_t n = 1;
    for (char *a = text; n <= argc; a += strlen(a) + 1) {
        argv[n++] = a;
        if (strstr(a, "env-file") || strstr(a, "report") || strstr(a, "seccomp")) {
            free(argv);
            free(text);
            return 0;
        }
    }
    struct run_req r = { 0 };
    rbox_err *err = NULL;
    int image = 0;
    int ret = parse_flags((int)n, argv, run, &r, &image, &err);
    if (ret == 0) {
        FUZZ_ASSERT(image >= 1 && image < (int)n, "IMAGE at %d of %zu", image, n);
        FUZZ_ASSERT(r.spec.stop_timeout >= 0, "stop timeout %d", r.spec.stop_timeout);
        FUZZ_ASSERT(r.spec.memory >= 0 && r.spec.nano_cpus >= 0, "memory, cpus");
    } else if (ret != MOPT_HELP) {
        FUZZ_ASSERT(err && err->msg, "no message");
        rbox_err_free(err);
    }
    spec_clear(&r.spec);
    free(argv);
    free(text);
    return 0;
}
