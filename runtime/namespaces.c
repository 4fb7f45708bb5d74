/* namespaces.c - creating and joining namespaces. */
#define _GNU_SOURCE
#include "namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* Is the namespace behind fd the runtime's own of type i? */
static bool ns_is_own(int fd, int i)
{
    char path[64];
    struct stat a, b;
    snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_proc_names[i]);
    return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

/* A joined uts namespace is named after the join (as runc does), but never the runtime's own:
 * that would rename the host. */
static int check_joined_uts(const struct rbox_config *cfg, int fd, rbox_err **err)
{
    const char *key = cfg->hostname && cfg->hostname[0]       ? "hostname"
                      : cfg->domainname && cfg->domainname[0] ? "domainname"
                                                              : NULL;
    if (key && ns_is_own(fd, NS_UTS))
        return rbox_error(err, 0,
                          "config.json: %s: the uts namespace %s is the runtime's own (setting "
                          "it would rename the host)",
                          key, cfg->linux.ns[NS_UTS].path);
    return 0;
}

int ns_plan_init(const struct rbox_config *cfg, struct ns_plan *plan, rbox_err **err)
{
    plan->new_flags = 0;
    plan->new_user = plan->join_user = false;
    for (int i = 0; i < NS_COUNT; i++)
        plan->fds[i] = -1;
    for (int i = 0; i < NS_COUNT; i++) {
        const struct rbox_namespace *ns = &cfg->linux.ns[i];
        if (!ns->present)
            continue;
        if (ns->path == NULL) {
            plan->new_flags |= ns_clone_flags[i];
            if (i == NS_USER)
                plan->new_user = true;
            continue;
        }
        int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            ns_plan_close(plan);
            return rbox_error(err, errno, "linux.namespaces: %s namespace %s", ns_type_names[i],
                              ns->path);
        }
        int type = ioctl(fd, NS_GET_NSTYPE);
        if (type >= 0 && type != ns_clone_flags[i]) {
            close(fd);
            ns_plan_close(plan);
            return rbox_error(err, 0, "linux.namespaces: %s is not a %s namespace", ns->path,
                              ns_type_names[i]);
        }
        plan->fds[i] = fd;
        if (i == NS_UTS && check_joined_uts(cfg, fd, err) < 0) {
            ns_plan_close(plan);
            return -1;
        }
        if (i == NS_USER)
            plan->join_user = true;
    }
    return 0;
}

void ns_plan_close(struct ns_plan *plan)
{
    for (int i = 0; i < NS_COUNT; i++) {
        if (plan->fds[i] >= 0)
            close(plan->fds[i]);
        plan->fds[i] = -1;
    }
}

int ns_join(struct ns_plan *plan, bool user, rbox_err **err)
{
    for (int i = 0; i < NS_COUNT; i++) {
        if (plan->fds[i] < 0 || i == NS_PID || (i == NS_USER) != user)
            continue;
        if (setns(plan->fds[i], ns_clone_flags[i]) < 0)
            return rbox_error(err, errno, "joining the %s namespace", ns_type_names[i]);
        close(plan->fds[i]);
        plan->fds[i] = -1;
    }
    return 0;
}

int ns_join_pid(pid_t pid, const bool which[NS_COUNT], rbox_err **err)
{
    /* Open all first: after joining the mount namespace /proc may be another one. */
    int fds[NS_COUNT];
    for (int i = 0; i < NS_COUNT; i++) {
        fds[i] = -1;
        if (!which[i])
            continue;
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns_proc_names[i]);
        fds[i] = open(path, O_RDONLY | O_CLOEXEC);
        if (fds[i] < 0) {
            int saved = errno;
            for (int j = 0; j < i; j++)
                if (fds[j] >= 0)
                    close(fds[j]);
            return rbox_error(err, saved, "opening %s", path);
        }
    }
    static const int order[] = { NS_USER, NS_IPC,    NS_UTS,  NS_NET,
                                 NS_PID,  NS_CGROUP, NS_TIME, NS_MOUNT };
    int ret = 0;
    for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
        int i = order[k];
        if (fds[i] < 0)
            continue;
        if (ret == 0 && setns(fds[i], ns_clone_flags[i]) < 0)
            ret = rbox_error(err, errno, "joining the %s namespace of pid %d", ns_type_names[i],
                             (int)pid);
        close(fds[i]);
    }
    return ret;
}

int ns_link_up(const char *name, rbox_err **err)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return rbox_error(err, errno, "%s: socket", name);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    int ret = 0;
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
        ret = rbox_error(err, errno, "%s: reading flags", name);
    else if (!(ifr.ifr_flags & IFF_UP)) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
            ret = rbox_error(err, errno, "%s: bringing it up", name);
    }
    close(fd);
    return ret;
}

int ns_loopback_up(rbox_err **err)
{
    return ns_link_up("lo", err) < 0 ? rbox_error_prefix(err, "loopback") : 0;
}

bool ns_needs_time_offsets(const struct rbox_config *cfg)
{
    const struct rbox_linux *l = &cfg->linux;
    return l->ns[NS_TIME].present && l->ns[NS_TIME].path == NULL &&
           (l->time_monotonic.set || l->time_boottime.set);
}

int ns_write_time_offsets(const struct rbox_config *cfg, rbox_err **err)
{
    const struct rbox_linux *l = &cfg->linux;
    if (!ns_needs_time_offsets(cfg))
        return 0;
    char buf[128];
    int n = 0;
    if (l->time_monotonic.set)
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "monotonic %lld %u\n",
                      (long long)l->time_monotonic.secs, l->time_monotonic.nanosecs);
    if (l->time_boottime.set)
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "boottime %lld %u\n",
                      (long long)l->time_boottime.secs, l->time_boottime.nanosecs);
    if (write_file_at(AT_FDCWD, "/proc/self/timens_offsets", buf) < 0)
        return rbox_error(err, errno, "linux.timeOffsets: writing /proc/self/timens_offsets");
    return 0;
}
