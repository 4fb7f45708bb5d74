/* judge.c - librbox's example: run a command N times in fresh sandboxes with limits and print
 * each verdict (the JSON of `rbox run --report`), as an online judge would.
 *
 *   rbox-judge [-n N] [-j THREADS] [-m BYTES] [-p PIDS] [-c PERCENT] [-t MS] [-s PROFILE]
 *              [-q] [-R] [-C ROOT] ROOTFS COMMAND [ARG...]
 *
 * -j runs the N runs on that many threads at once (one description shared by all). -q prints
 * only a summary. -R: a read-only root instead of a fresh writable layer. -C ROOT prints the OCI
 * config.json of a run (root.path ROOT) instead. Exit status: 0 when every run gave a verdict, 1
 * otherwise. */
#define _GNU_SOURCE
#include <rbox/rbox.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static rbox_sandbox *sb;
static atomic_int next_run, failures;
static int runs = 1;
static bool quiet, readonly_root;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
    (void)arg;
    while (atomic_fetch_add(&next_run, 1) < runs) {
        struct rbox_verdict v;
        struct rbox_error err;
        if (rbox_run(sb, &v, &err) < 0) {
            fprintf(stderr, "rbox-judge: %s\n", err.message);
            atomic_fetch_add(&failures, 1);
            continue;
        }
        char json[2048];
        if (!quiet && rbox_verdict_json(&v, json, sizeof(json)) > 0) {
            pthread_mutex_lock(&out_lock);
            fputs(json, stdout);
            pthread_mutex_unlock(&out_lock);
        }
    }
    return NULL;
}

static void usage(void)
{
    fputs("Usage: rbox-judge [-n N] [-j THREADS] [-m BYTES] [-p PIDS] [-c PERCENT] [-t MS]\n"
          "                  [-s PROFILE] [-q] [-R] [-C ROOT] ROOTFS COMMAND [ARG...]\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    struct rbox_error err;
    int threads = 1, opt;
    long long memory = 0, pids = 0, timeout_ms = 0;
    double cpu = 0;
    const char *seccomp = "default", *config_root = NULL;
    while ((opt = getopt(argc, argv, "+n:j:m:p:c:t:s:qRC:")) != -1) {
        switch (opt) {
        case 'n': runs = atoi(optarg); break;
        case 'j': threads = atoi(optarg); break;
        case 'm': memory = atoll(optarg); break;
        case 'p': pids = atoll(optarg); break;
        case 'c': cpu = atof(optarg); break;
        case 't': timeout_ms = atoll(optarg); break;
        case 's': seccomp = optarg; break;
        case 'q': quiet = true; break;
        case 'R': readonly_root = true; break;
        case 'C': config_root = optarg; break;
        default: usage();
        }
    }
    if (argc - optind < 2 || runs < 1 || threads < 1 || threads > 256)
        usage();
    sb = rbox_sandbox_new(argv[optind], &err);
    if (sb == NULL ||
        rbox_sandbox_set_command(sb, (const char *const *)argv + optind + 1, &err) < 0 ||
        rbox_sandbox_set_memory(sb, memory, &err) < 0 ||
        rbox_sandbox_set_pids(sb, pids, &err) < 0 ||
        rbox_sandbox_set_cpu_percent(sb, cpu, &err) < 0 ||
        rbox_sandbox_set_timeout(sb, timeout_ms * 1000000, &err) < 0 ||
        rbox_sandbox_set_seccomp(sb, seccomp, &err) < 0 ||
        rbox_sandbox_set_readonly_root(sb, readonly_root, &err) < 0) {
        fprintf(stderr, "rbox-judge: %s\n", err.message);
        return 2;
    }
    if (config_root) {
        char *cfg = rbox_sandbox_oci_config(sb, config_root, &err);
        if (cfg == NULL) {
            fprintf(stderr, "rbox-judge: %s\n", err.message);
            return 2;
        }
        puts(cfg);
        free(cfg);
        rbox_sandbox_free(sb);
        return 0;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_t tid[256];
    for (int i = 0; i < threads; i++)
        pthread_create(&tid[i], NULL, worker, NULL);
    for (int i = 0; i < threads; i++)
        pthread_join(tid[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    if (quiet)
        printf("%d runs, %d threads: %.1f ms, %.2f ms per run, %d failed\n", runs, threads, ms,
               ms / runs, atomic_load(&failures));
    rbox_sandbox_free(sb);
    return atomic_load(&failures) ? 1 : 0;
}
