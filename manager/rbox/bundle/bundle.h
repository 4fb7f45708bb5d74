/* bundle.h - the writers of a container's config.json, one per section, called in this order
 * by bundle_write() (spec.h). Each writes its key and value into w; none can fail (the request
 * was checked when its flags were parsed). */
#ifndef RBOX_BUNDLE_H
#define RBOX_BUNDLE_H

#include "json.h"
#include "sandbox.h"
#include "spec.h"
#include "store.h"
#include <stdint.h>

/* "process" (process.c) */
void bundle_process(json_w *w, const struct ctr_spec *s, const char *hostname);
/* The container's capability set, bit N = capability N (docker's rule for --cap-add/drop). */
uint64_t bundle_capability_set(const struct ctr_spec *s);
/* "mounts" (mounts.c): docker's defaults, the /etc files under ctr_dir, then -v and --tmpfs */
void bundle_mounts(json_w *w, const char *ctr_dir, const struct store *st,
                   const struct ctr_spec *s);
/* "linux" (linux.c): resources, cgroupsPath, namespaces, masked/readonly paths, seccomp */
/* netns: the network namespace to join (NULL: a new one, unless --network host) */
void bundle_linux(json_w *w, const struct store *st, const struct ctr_spec *s, const char *netns);
/* "seccomp" inside "linux" (seccomp.c) for the capability set; nothing when unconfined */
void bundle_seccomp(json_w *w, const struct sbx_opts *o, uint64_t caps);
/* The same from a profile's text (docker's format or OCI's, checked at flag time). */
void bundle_seccomp_profile(json_w *w, const char *text, uint64_t caps);

#endif
