/* caps.c - capabilities (libcap). */
#define _GNU_SOURCE
#include "caps.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int caps_last_cap(void)
{
    static int last = -1;
    if (last >= 0)
        return last;
    _cleanup_free_ char *buf = NULL;
    int v;
    if (read_file_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", &buf, NULL) == 0) {
        buf[strcspn(buf, "\n")] = '\0';
        if (parse_int(buf, &v) == 0 && v > 0 && v < 64)
            return last = v;
    }
    return last = CAP_LAST_CAP;
}

int caps_drop_bounding(const struct rbox_caps *c, rbox_err **err)
{
    int last = caps_last_cap();
    for (int cap = 0; cap <= last; cap++) {
        if (c->bounding & (1ULL << cap))
            continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
            return rbox_error(err, errno, "dropping %s from the bounding set",
                              capability_name(cap) ? capability_name(cap) : "capability");
    }
    return 0;
}

int caps_keep_on_setuid(rbox_err **err)
{
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        return rbox_error(err, errno, "prctl(PR_SET_KEEPCAPS)");
    return 0;
}

static int set_sets(uint64_t eff, uint64_t prm, uint64_t inh, rbox_err **err)
{
    cap_t caps = cap_init();
    if (caps == NULL)
        return rbox_error(err, errno, "cap_init");
    int last = caps_last_cap();
    for (int cap = 0; cap <= last; cap++) {
        cap_value_t v = cap;
        if (eff & (1ULL << cap))
            cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_SET);
        if (prm & (1ULL << cap))
            cap_set_flag(caps, CAP_PERMITTED, 1, &v, CAP_SET);
        if (inh & (1ULL << cap))
            cap_set_flag(caps, CAP_INHERITABLE, 1, &v, CAP_SET);
    }
    int r = cap_set_proc(caps);
    int saved = errno;
    cap_free(caps);
    if (r < 0)
        return rbox_error(err, saved, "setting capabilities");
    return 0;
}

/* The calling process's permitted and inheritable masks. */
static int current_sets(uint64_t *prm, uint64_t *inh, rbox_err **err)
{
    cap_t cur = cap_get_proc();
    if (cur == NULL)
        return rbox_error(err, errno, "cap_get_proc");
    *prm = *inh = 0;
    int last = caps_last_cap();
    for (int cap = 0; cap <= last; cap++) {
        cap_flag_value_t v;
        if (cap_get_flag(cur, cap, CAP_PERMITTED, &v) == 0 && v == CAP_SET)
            *prm |= 1ULL << cap;
        if (cap_get_flag(cur, cap, CAP_INHERITABLE, &v) == 0 && v == CAP_SET)
            *inh |= 1ULL << cap;
    }
    cap_free(cur);
    return 0;
}

int caps_raise_effective(rbox_err **err)
{
    uint64_t prm, inh;
    if (current_sets(&prm, &inh, err) < 0)
        return -1;
    return set_sets(prm, prm, inh, err);
}

static const char *cap_label(uint64_t mask)
{
    const char *n = capability_name(__builtin_ctzll(mask));
    return n ? n : "?";
}

/* The kernel only answers EPERM: say which capability it could not grant. */
static int explain_eperm(const struct rbox_caps *c, uint64_t known, rbox_err **err)
{
    uint64_t prm, inh;
    if (current_sets(&prm, &inh, err) < 0)
        return -1;
    uint64_t missing = c->permitted & known & ~prm;
    if (missing)
        return rbox_error(err, EPERM,
                          "setting capabilities: %s is not available to the runtime "
                          "(not in its own permitted set)",
                          cap_label(missing));
    missing = c->inheritable & known & ~(inh | c->bounding);
    if (missing)
        return rbox_error(err, EPERM,
                          "setting capabilities: inheritable %s is not in the bounding "
                          "set",
                          cap_label(missing));
    return rbox_error(err, EPERM, "setting capabilities");
}

int caps_apply(const struct rbox_caps *c, rbox_err **err)
{
    int last = caps_last_cap();
    uint64_t known = last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
    /* The effective set must be within the permitted set: the kernel refuses otherwise (the
     * config parser checks it too; exec's --cap and process.json land here as well). */
    uint64_t extra = c->effective & ~c->permitted;
    if (extra) {
        int cap = __builtin_ctzll(extra);
        return rbox_error(err, EPERM, "capability %s is effective but not permitted",
                          capability_name(cap) ? capability_name(cap) : "?");
    }
    if (set_sets(c->effective & known, c->permitted & known, c->inheritable & known, err) < 0)
        return (*err)->errnum == EPERM ? explain_eperm(c, known, err) : -1;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return rbox_error(err, errno, "clearing the ambient capabilities");
    /* As runc: raise the ambient capabilities the kernel allows (they must be permitted and
     * inheritable; `runc spec` and buildah list ambient ones with no inheritable set at all)
     * and skip the rest. */
    for (int cap = 0; cap <= last; cap++) {
        uint64_t bit = 1ULL << cap;
        if (!(c->ambient & bit))
            continue;
        const char *name = capability_name(cap) ? capability_name(cap) : "?";
        if (!(c->permitted & c->inheritable & bit)) {
            log_debug("ambient capability %s skipped: not in the permitted and inheritable sets",
                      name);
            continue;
        }
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
            log_debug("ambient capability %s skipped: %s", name, rbox_strerror(errno));
    }
    return 0;
}
