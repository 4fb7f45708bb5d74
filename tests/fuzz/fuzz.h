/* fuzz.h - helpers shared by the fuzz targets (tests/fuzz/fuzz_*.c). A target is built twice
 * (tests/fuzz/fuzz.mk): with libFuzzer for `make fuzz`, and with replay_main.c for `make test`. */
#ifndef RBOX_FUZZ_H
#define RBOX_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a NUL-terminated string (cut at its first NUL). */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* A property of the parser does not hold: report it and crash (libFuzzer saves the input). */
#define FUZZ_ASSERT(cond, ...)                                               \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "fuzz: %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                    \
            fputc('\n', stderr);                                             \
            abort();                                                         \
        }                                                                    \
    } while (0)

#endif
