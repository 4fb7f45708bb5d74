/* runflags.c - run/create flags that map onto config.json (runflags.h): parsing with one clear
 * error naming the flag, the container's config.json, inspect. The bundle/ writers use the
 * parsed struct (process.c: --init, --ulimit, --privileged caps; mounts.c: --init, --shm-size,
 * --privileged /sys; linux.c: devices, sysctl, resources). */
#define _GNU_SOURCE
#include "runflags.h"
#include "util.h"

#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void rf_clear(struct run_flags *f)
{
    strv_free(f->labels);
    free(f->init_binary);
    free(f->ulimits);
    strv_free(f->sysctls);
    strv_free(f->group_add);
    for (size_t i = 0; i < f->n_devices; i++) {
        free(f->devices[i].host);
        free(f->devices[i].path);
    }
    free(f->devices);
    free(f->cpuset_cpus);
    strv_free(f->notes);
    memset(f, 0, sizeof(*f));
}

/* Set K=V in a K=V list, replacing an earlier value of K (docker's maps). */
static void kv_set(char ***list, const char *kv)
{
    size_t klen = strcspn(kv, "=");
    size_t n = strv_len(*list);
    for (size_t i = 0; i < n; i++)
        if (strncmp((*list)[i], kv, klen) == 0 && (*list)[i][klen] == '=') {
            free((*list)[i]);
            (*list)[i] = xstrdup(kv);
            return;
        }
    strv_push(list, &n, xstrdup(kv));
}

/* ---- labels ---- */

static int parse_label(struct run_flags *f, const char *flag, const char *v, rbox_err **err)
{
    size_t klen = strcspn(v, "=");
    if (klen == 0)
        return rbox_error(err, 0, "invalid value \"%s\" for %s: empty label name", v, flag);
    for (size_t i = 0; i < klen; i++)
        if (isspace((unsigned char)v[i]) || iscntrl((unsigned char)v[i]))
            return rbox_error(
                err, 0, "invalid value \"%s\" for %s: the label name contains whitespace", v, flag);
    if (v[klen] == '=') {
        kv_set(&f->labels, v);
    } else {
        _cleanup_free_ char *kv = xasprintf("%s=", v); /* "-l K": an empty value (docker) */
        kv_set(&f->labels, kv);
    }
    return 0;
}

/* --label-file: a label per line; blank lines and # comments are skipped (docker). */
static int parse_label_file(struct run_flags *f, const char *path, rbox_err **err)
{
    _cleanup_fclose_ FILE *fp = fopen(path, "re");
    if (fp == NULL)
        return rbox_error(err, errno, "invalid value \"%s\" for --label-file", path);
    _cleanup_free_ char *line = NULL;
    size_t cap = 0;
    int lineno = 0;
    while (getline(&line, &cap, fp) >= 0) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '\0' || *p == '#')
            continue;
        if (parse_label(f, "--label-file", p, err) < 0)
            return rbox_error_prefix(err, "%s line %d", path, lineno);
    }
    if (ferror(fp))
        return rbox_error(err, errno, "invalid value \"%s\" for --label-file", path);
    return 0;
}

/* ---- --init ---- */

/* The init runs in the container's root, where no dynamic loader may exist: only a static ELF
 * executable will do. */
static int check_static_elf(const char *path, const char *what, rbox_err **err)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return rbox_error(err, errno, "--init: %s %s", what, path);
    if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
        return rbox_error(err, 0, "--init: %s %s is not an executable file", what, path);
    Elf64_Ehdr eh;
    if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
        memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
        eh.e_phentsize != sizeof(Elf64_Phdr))
        return rbox_error(err, 0, "--init: %s %s is not a 64-bit ELF executable", what, path);
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * sizeof(ph))) !=
            (ssize_t)sizeof(ph))
            return rbox_error(err, 0, "--init: %s %s: truncated ELF file", what, path);
        if (ph.p_type == PT_INTERP)
            return rbox_error(err, 0,
                              "--init: %s %s is dynamically linked (the container may lack its "
                              "libraries): use a static init such as catatonit or tini-static",
                              what, path);
    }
    return 0;
}

/* $RBOX_INIT_BINARY, else the first of Debian's static inits that is installed. */
static int find_init(struct run_flags *f, rbox_err **err)
{
    static const char *const candidates[] = {
        "/usr/libexec/podman/catatonit",
        "/usr/bin/catatonit",
        "/usr/bin/tini-static",
        "/usr/bin/docker-init",
    };
    const char *env = getenv("RBOX_INIT_BINARY");
    if (env && *env) {
        if (env[0] != '/')
            return rbox_error(err, 0, "--init: RBOX_INIT_BINARY=%s is not an absolute path", env);
        if (check_static_elf(env, "the init binary (RBOX_INIT_BINARY)", err) < 0)
            return -1;
        f->init_binary = xstrdup(env);
        return 0;
    }
    for (size_t i = 0; i < ARRAY_SIZE(candidates); i++)
        if (access(candidates[i], X_OK) == 0) {
            if (check_static_elf(candidates[i], "the init binary", err) < 0)
                return -1;
            f->init_binary = xstrdup(candidates[i]);
            return 0;
        }
    return rbox_error(err, 0,
                      "--init: no init binary on this host: install catatonit (or tini-static), "
                      "or set RBOX_INIT_BINARY to a static init");
}

/* ---- the flag table ---- */

enum rf_id { RF_LABEL, RF_LABEL_FILE, RF_INIT, RF_PRIVILEGED };

static const char *const rf_names[] = {
    [RF_LABEL] = "label",
    [RF_LABEL_FILE] = "label-file",
    [RF_INIT] = "init",
    [RF_PRIVILEGED] = "privileged",
};

static int rf_index(const char *flag)
{
    for (size_t i = 0; i < ARRAY_SIZE(rf_names); i++)
        if (rf_names[i] && strcmp(flag, rf_names[i]) == 0)
            return (int)i;
    return -1;
}

bool rf_is_flag(const char *flag)
{
    return rf_index(flag) >= 0;
}

int rf_set_flag(struct run_flags *f, const char *flag, const char *v, rbox_err **err)
{
    switch ((enum rf_id)rf_index(flag)) {
    case RF_LABEL: return parse_label(f, "--label", v, err);
    case RF_LABEL_FILE: return parse_label_file(f, v, err);
    case RF_INIT: f->init = true; return 0;
    case RF_PRIVILEGED: f->privileged = true; return 0;
    }
    return rbox_error(err, EINVAL, "unknown flag --%s", flag);
}

int rf_finish(struct run_flags *f, int64_t memory, const char *network, rbox_err **err)
{
    (void)memory;
    (void)network;
    if (f->init && find_init(f, err) < 0)
        return -1;
    return 0;
}

/* ---- config.json ---- */

void rf_save(json_w *w, const struct run_flags *f)
{
    jw_key(w, "flags");
    jw_obj_open(w);
    jw_kstrv(w, "labels", f->labels);
    jw_kbool(w, "init", f->init);
    jw_kstr(w, "init_binary", f->init_binary);
    jw_kbool(w, "privileged", f->privileged);
    jw_obj_close(w);
}

static char **load_strv(yajl_val obj, const char *key)
{
    yajl_val a = json_get(obj, key);
    if (!YAJL_IS_ARRAY(a))
        return NULL;
    char **v = xcalloc(1, sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; i < a->u.array.len; i++)
        if (YAJL_IS_STRING(a->u.array.values[i]))
            strv_push(&v, &n, xstrdup(a->u.array.values[i]->u.string));
    return v;
}

static char *load_str(yajl_val obj, const char *key)
{
    const char *s = json_get_str(obj, key);
    return s ? xstrdup(s) : NULL;
}

void rf_load(yajl_val v, struct run_flags *f)
{
    memset(f, 0, sizeof(*f));
    if (!YAJL_IS_OBJECT(v))
        return;
    f->labels = load_strv(v, "labels");
    json_get_bool(v, "init", &f->init);
    f->init_binary = load_str(v, "init_binary");
    json_get_bool(v, "privileged", &f->privileged);
}

/* ---- inspect ---- */

void rf_inspect_config(json_w *w, const struct run_flags *f)
{
    jw_key(w, "Labels");
    jw_obj_open(w);
    for (size_t i = 0; f->labels && f->labels[i]; i++) {
        const char *kv = f->labels[i];
        size_t klen = strcspn(kv, "=");
        _cleanup_free_ char *k = xstrndup(kv, klen);
        jw_kstr(w, k, kv[klen] ? kv + klen + 1 : "");
    }
    jw_obj_close(w);
}

void rf_inspect_host_config(json_w *w, const struct run_flags *f, int64_t memory)
{
    (void)memory;
    jw_kbool(w, "Init", f->init);
    jw_kbool(w, "Privileged", f->privileged);
}
