/* config-check - test helper: run the config.json parser on a file and print "OK" or the error.
 *
 *   config-check [--what NAME] FILE...        config_parse(FILE's text)
 *   config-check --load [BUNDLE...]           config_load(BUNDLE) (no BUNDLE: current dir)
 *   config-check --process FILE...            config_parse_process
 *   config-check --resources FILE...          config_parse_resources
 *   config-check --dump FILE...               config_parse, then print what it understood
 *
 * One line per file ("OK" or the error; --dump prints more), so one process (or one valgrind run)
 * can check many files. Exit status: 0 when all are valid, 1 when one is refused, 2 on usage or
 * read errors.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "config.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void dump(const struct rbox_config *cfg)
{
    printf("ociVersion %s\nroot %s readonly=%d\n", cfg->oci_version, cfg->root_path,
           cfg->root_readonly);
    for (size_t i = 0; i < cfg->n_mounts; i++) {
        const struct rbox_mount *m = &cfg->mounts[i];
        printf("mount %s flags=%#lx clear=%#lx propagation=%#lx rset=%#" PRIx64 " rclr=%#" PRIx64
               " data=%s tmpcopyup=%d idmap=%d/%d\n",
               m->destination, m->flags, m->clear_flags, m->propagation, m->rec_attr_set,
               m->rec_attr_clr, m->data ? m->data : "(null)", m->tmpcopyup, m->idmap,
               m->recursive_idmap);
    }
    const struct rbox_process *p = &cfg->process;
    printf("process uid=%u gid=%u args=%zu env=%zu cwd=%s bounding=%#" PRIx64 " rlimits=%zu\n",
           p->user.uid, p->user.gid, strv_len(p->args), strv_len(p->env), p->cwd, p->caps.bounding,
           p->n_rlimits);
    for (int i = 0; i < NS_COUNT; i++)
        if (cfg->linux.ns[i].present)
            printf("namespace %s%s%s\n", ns_type_names[i], cfg->linux.ns[i].path ? " " : "",
                   cfg->linux.ns[i].path ? cfg->linux.ns[i].path : "");
    const struct rbox_resources *r = &cfg->linux.resources;
    printf("resources devices=%zu memory.limit=%s%" PRId64 " pids.limit=%s%" PRId64 "\n",
           r->n_devices, r->memory.limit.set ? "" : "unset:", r->memory.limit.v,
           r->pids.limit.set ? "" : "unset:", r->pids.limit.v);
    printf("seccomp present=%d rules=%zu\n", cfg->linux.seccomp.present,
           cfg->linux.seccomp.n_syscalls);
}

/* Check one file (or bundle, for --load): print one line, return 0 when valid. */
static int check_one(const char *mode, const char *what, const char *path)
{
    rbox_err *err = NULL;
    struct rbox_config *cfg = NULL;
    char *text = NULL;
    int r;
    if (strcmp(mode, "load") == 0) {
        r = config_load(path, &cfg, &err);
    } else if (read_file_at(AT_FDCWD, path, &text, NULL) < 0) {
        perror(path);
        return 2;
    } else if (strcmp(mode, "process") == 0) {
        struct rbox_process p;
        if ((r = config_parse_process(text, what, &p, &err)) == 0)
            config_process_clear(&p);
    } else if (strcmp(mode, "resources") == 0) {
        struct rbox_resources res;
        if ((r = config_parse_resources(text, what, &res, &err)) == 0)
            config_resources_clear(&res);
    } else {
        r = config_parse(text, what, &cfg, &err);
    }
    free(text);
    if (r < 0) {
        printf("%s\n", err->msg);
        rbox_err_free(err);
        return 1;
    }
    if (strcmp(mode, "dump") == 0)
        dump(cfg);
    else if (strcmp(mode, "load") == 0)
        printf("OK bundle=%s rootfs=%s\n", cfg->bundle, cfg->rootfs);
    else
        printf("OK\n");
    config_free(cfg);
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = "parse", *what = "config.json";
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--what") == 0 && i + 1 < argc)
            what = argv[++i];
        else
            mode = argv[i] + 2;
    }
    if (i == argc && strcmp(mode, "load") != 0) {
        fprintf(stderr, "usage: config-check [--what NAME|--load|--process|--resources|--dump] "
                        "FILE...\n");
        return 2;
    }
    if (i == argc)
        return check_one(mode, what, NULL);
    int ret = 0;
    for (; i < argc; i++) {
        int r = check_one(mode, what, argv[i]);
        ret = r > ret ? r : ret;
    }
    return ret;
}
