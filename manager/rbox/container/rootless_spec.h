/* rootless_spec.h - the rootless rules of a container request (rootless_spec.c). */
#ifndef RBOX_ROOTLESS_SPEC_H
#define RBOX_ROOTLESS_SPEC_H

#include "spec.h"

/* Rootless only: refuse resource limits without a delegated cgroup v2 subtree (one line saying
 * why), and put the container's cgroup in that subtree when there is one. */
int rootless_spec_check(struct ctr_spec *s, rbox_err **err);

#endif
