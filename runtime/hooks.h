/* hooks.h - OCI hooks: run with the container's state JSON on stdin, with path/args/env/timeout. */
#ifndef RBOX_HOOKS_H
#define RBOX_HOOKS_H

#include "config.h"
#include "error.h"

/* Run every hook of `kind` in order; the first failure stops and is returned
 * ("createRuntime hook #1 (/usr/bin/x): exited with status 3: <its stderr tail>"). */
int hooks_run(const struct rbox_hooks *hooks, enum hook_kind kind, const char *state_json,
              rbox_err **err);
/* For the kinds whose failures only warn (poststop): run every hook of `kind`, logging a warning
 * for each that fails; the remaining ones still run. */
void hooks_run_warn(const struct rbox_hooks *hooks, enum hook_kind kind, const char *state_json);
bool hooks_any(const struct rbox_hooks *hooks, enum hook_kind kind);

#endif
