/* selfexe.h - CVE-2019-5736 protection: the runtime image a container could reach through
 * /proc/<pid>/exe must not be the host's binary. Before create/run/exec, the runtime re-executes
 * itself from a sealed memfd copy (unless it already runs from one, or from a read-only mount). */
#ifndef RBOX_SELFEXE_H
#define RBOX_SELFEXE_H

#include "error.h"

/* Returns 0 when already protected; otherwise execs itself and only returns on failure. */
int selfexe_protect(char **argv, char **envp, rbox_err **err);
/* true when the verb runs user code in a container (create, run, exec) */
bool selfexe_needed(int argc, char **argv);

#endif
