/* namespaces.h - which namespaces a container creates or joins, and joining them. */
#ifndef RBOX_NAMESPACES_H
#define RBOX_NAMESPACES_H

#include "config.h"
#include "error.h"

struct ns_plan {
    int fds[NS_COUNT]; /* open fds of namespaces to join (by path), -1 otherwise */
    int new_flags;     /* CLONE_NEW* to create */
    bool new_user;     /* a new user namespace */
    bool join_user;    /* joining a user namespace by path */
};

/* Open (and check the type of) every namespace path; compute the flags of new ones. */
int ns_plan_init(const struct rbox_config *cfg, struct ns_plan *plan, rbox_err **err);
void ns_plan_close(struct ns_plan *plan);
/* setns() into each opened namespace of the given type mask order: user first, then the rest
 * (pid excluded: the caller handles it). */
int ns_join(struct ns_plan *plan, bool user, rbox_err **err);
/* Join the namespaces of a running process (exec): user first, then the others. */
int ns_join_pid(pid_t pid, const bool which[NS_COUNT], rbox_err **err);
/* A new time namespace with linux.timeOffsets: the offsets must be written before any process
 * lives in it, so it is unshared (not cloned) and the init forked after. */
bool ns_needs_time_offsets(const struct rbox_config *cfg);
/* After unshare(CLONE_NEWTIME): write the offsets of the namespace our children will enter. */
int ns_write_time_offsets(const struct rbox_config *cfg, rbox_err **err);

/* Bring the loopback interface up (in a new network namespace it starts down). */
int ns_loopback_up(rbox_err **err);
/* Bring one interface up by name ("<name>: bringing it up: ..."). */
int ns_link_up(const char *name, rbox_err **err);

#endif
