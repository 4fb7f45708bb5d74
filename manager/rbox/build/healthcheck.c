/* healthcheck.c - a Containerfile's HEALTHCHECK as the image config's Healthcheck (docker's):
 *   HEALTHCHECK [--interval=D] [--timeout=D] [--start-period=D] [--retries=N] CMD command
 *   HEALTHCHECK NONE
 * CMD in exec form (a JSON array) is Test ["CMD", ARG...], in shell form ["CMD-SHELL", TEXT];
 * NONE is ["NONE"] (it turns off the base image's check). The result is an image_commit change
 * "HEALTHCHECK {json}". */
#define _GNU_SOURCE
#include "build.h"
#include "json.h"
#include "sandbox.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int flag_duration(const struct bf_instr *in, const char *flag, const char *v, int64_t *out,
                         rbox_err **err)
{
    _cleanup_free_ char *what = xasprintf("HEALTHCHECK --%s", flag);
    if (parse_duration(v, what, out, err) < 0)
        return -1;
    if (*out != 0 && *out < 1000000)
        return rbox_error(err, 0, "HEALTHCHECK --%s: at least 1ms (%s)", flag, v);
    (void)in;
    return 0;
}

int bf_healthcheck_change(const struct bf_instr *in, char **change, rbox_err **err)
{
    const char *rest = in->args[0];
    size_t wl = strcspn(rest, " \t");
    int64_t d[3] = { 0, 0, 0 };
    int retries = 0;
    static const char *const names[] = { "interval", "timeout", "start-period" };
    for (char **f = in->flags; *f; f++) {
        const char *k = *f + 2, *eq = strchr(k, '=');
        if (!eq)
            return rbox_error(err, 0, "HEALTHCHECK %s: a value is needed (--%s=...)", *f, k);
        bool known = false;
        for (size_t i = 0; i < ARRAY_SIZE(names); i++)
            if (strncmp(k, names[i], strlen(names[i])) == 0 && k + strlen(names[i]) == eq) {
                known = true;
                if (flag_duration(in, names[i], eq + 1, &d[i], err) < 0)
                    return -1;
            }
        if (!known && strncmp(k, "retries=", 8) == 0) {
            known = true;
            if (parse_int(eq + 1, &retries) < 0 || retries < 0)
                return rbox_error(err, 0, "HEALTHCHECK --retries: not a number >= 0 (%s)", eq + 1);
        }
        if (!known && strncmp(k, "start-interval=", 15) == 0)
            known = true; /* docker 25's; the monitor checks at --interval throughout */
        if (!known)
            return rbox_error(err, 0, "HEALTHCHECK: unknown flag %.*s", (int)(eq - *f), *f);
    }
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_key(&w, "Test");
    jw_arr_open(&w);
    if (wl == 4 && strncasecmp(rest, "NONE", 4) == 0 && rest[wl] == '\0') {
        jw_str(&w, "NONE");
    } else if (wl == 3 && strncasecmp(rest, "CMD", 3) == 0) {
        const char *cmd = rest + 3;
        cmd += strspn(cmd, " \t");
        yajl_val a = NULL;
        if (*cmd == '[' && json_parse(cmd, "HEALTHCHECK CMD", &a, NULL) == 0 && YAJL_IS_ARRAY(a)) {
            jw_str(&w, "CMD");
            for (size_t i = 0; i < a->u.array.len; i++)
                if (YAJL_IS_STRING(a->u.array.values[i]))
                    jw_str(&w, a->u.array.values[i]->u.string);
        } else {
            jw_str(&w, "CMD-SHELL");
            jw_str(&w, cmd);
        }
        if (a)
            yajl_tree_free(a);
        if (*cmd == '\0') {
            jw_free(&w);
            return rbox_error(err, 0, "HEALTHCHECK CMD: a command is needed");
        }
    } else {
        jw_free(&w);
        return rbox_error(err, 0, "HEALTHCHECK: expected CMD COMMAND or NONE");
    }
    jw_arr_close(&w);
    static const char *const keys[] = { "Interval", "Timeout", "StartPeriod" };
    for (size_t i = 0; i < 3; i++)
        if (d[i])
            jw_kint(&w, keys[i], d[i]);
    if (retries)
        jw_kint(&w, "Retries", retries);
    jw_obj_close(&w);
    *change = xasprintf("HEALTHCHECK %s", jw_text(&w, NULL));
    jw_free(&w);
    return 0;
}
