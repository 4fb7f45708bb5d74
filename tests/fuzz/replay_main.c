/* replay_main.c - a fuzz target as a plain program: each FILE (or every file in a DIR) is fed
 * once to LLVMFuzzerTestOneInput. `make test` runs the committed corpora and crash inputs this
 * way (tests/bats/fuzz_replay.bats), without libFuzzer or clang; a crash or a sanitizer report
 * fails it. Prints "N inputs" at the end. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        perror(path);
        return -1;
    }
    /* an exact-size copy: ASan sees a read past the input's end */
    uint8_t *buf = malloc(st.st_size ? (size_t)st.st_size : 1);
    size_t n = 0;
    while (n < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (getenv("REPLAY_VERBOSE"))
        fprintf(stderr, "%s\n", path);
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 0;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    size_t count = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) < 0) {
            perror(argv[i]);
            return 2;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (run_file(argv[i]) < 0)
                return 2;
            count++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        if (d == NULL) {
            perror(argv[i]);
            return 2;
        }
        char **names = NULL;
        size_t n = 0;
        for (struct dirent *e; (e = readdir(d));) {
            if (e->d_name[0] == '.')
                continue;
            names = realloc(names, (n + 1) * sizeof(*names));
            if (asprintf(&names[n++], "%s/%s", argv[i], e->d_name) < 0)
                abort();
        }
        closedir(d);
        if (n)
            qsort(names, n, sizeof(*names), cmp);
        for (size_t k = 0; k < n; k++) {
            if (run_file(names[k]) < 0)
                return 2;
            free(names[k]);
            count++;
        }
        free(names);
    }
    printf("%zu inputs\n", count);
    return 0;
}
