/* passwd.c - passwd and group file lookups. */
#define _GNU_SOURCE
#include "passwd.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Split a line into up to n ':'-separated fields in place; returns the count. */
static int split_fields(char *line, char **f, int n)
{
    line[strcspn(line, "\n")] = '\0';
    int k = 0;
    char *s = line;
    while (k < n && s) {
        f[k++] = s;
        s = strchr(s, ':');
        if (s)
            *s++ = '\0';
    }
    return k;
}

int passwd_lookup(const char *path, const char *name, uid_t uid, struct pw_entry *out)
{
    _cleanup_fclose_ FILE *f = fopen(path, "re");
    if (f == NULL)
        return -1;
    _cleanup_free_ char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        char *fl[7];
        int64_t u, g;
        if (split_fields(line, fl, 7) < 7 || parse_i64(fl[2], &u) < 0 || parse_i64(fl[3], &g) < 0)
            continue;
        if (name ? strcmp(fl[0], name) != 0 : (uid_t)u != uid)
            continue;
        out->name = xstrdup(fl[0]);
        out->uid = (uid_t)u;
        out->gid = (gid_t)g;
        out->home = xstrdup(fl[5]);
        out->shell = xstrdup(fl[6]);
        return 0;
    }
    return -1;
}

void pw_entry_clear(struct pw_entry *e)
{
    free(e->name);
    free(e->home);
    free(e->shell);
    e->name = e->home = e->shell = NULL;
}

int group_lookup(const char *path, const char *name, gid_t *gid)
{
    _cleanup_fclose_ FILE *f = fopen(path, "re");
    if (f == NULL)
        return -1;
    _cleanup_free_ char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        char *fl[4];
        int64_t g;
        if (split_fields(line, fl, 4) < 3 || parse_i64(fl[2], &g) < 0)
            continue;
        if (strcmp(fl[0], name) == 0) {
            *gid = (gid_t)g;
            return 0;
        }
    }
    return -1;
}

int group_members_of(const char *path, const char *name, gid_t **gids, size_t *n)
{
    *gids = NULL;
    *n = 0;
    _cleanup_fclose_ FILE *f = fopen(path, "re");
    if (f == NULL)
        return -1;
    _cleanup_free_ char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        char *fl[4];
        int64_t g;
        if (split_fields(line, fl, 4) < 4 || parse_i64(fl[2], &g) < 0)
            continue;
        char *save = NULL;
        for (char *m = strtok_r(fl[3], ",", &save); m; m = strtok_r(NULL, ",", &save)) {
            if (strcmp(m, name) == 0) {
                *gids = xrealloc(*gids, (*n + 1) * sizeof(gid_t));
                (*gids)[(*n)++] = (gid_t)g;
                break;
            }
        }
    }
    return 0;
}
