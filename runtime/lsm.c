/* lsm.c - process.apparmorProfile and process.selinuxLabel (see lsm.h). */
#define _GNU_SOURCE
#include "lsm.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

/* The init's own /proc/thread-self/attr/apparmor/exec, opened on the host's /proc before
 * pivot_root: a /proc the container's image provides can never receive the write. */
static int apparmor_exec_fd = -1;

bool lsm_apparmor_enabled(void)
{
    _cleanup_free_ char *v = NULL;
    return read_file_at(AT_FDCWD, "/sys/module/apparmor/parameters/enabled", &v, NULL) == 0 &&
           v[0] == 'Y';
}

bool lsm_selinux_enabled(void)
{
    struct statfs sf;
    return statfs("/sys/fs/selinux", &sf) == 0 && sf.f_type == 0xf97cff8c /* SELINUX_MAGIC */;
}

int lsm_prepare(const struct rbox_process *p, rbox_err **err)
{
    if (p->selinux_label && *p->selinux_label) {
        if (lsm_selinux_enabled())
            return rbox_error(err, ENOTSUP,
                              "process.selinuxLabel \"%s\": this host enforces "
                              "SELinux and rbox-runtime does not apply labels",
                              p->selinux_label);
        log_debug("process.selinuxLabel ignored: SELinux is not enabled on this host");
    }
    if (p->apparmor_profile == NULL || *p->apparmor_profile == '\0')
        return 0;
    if (!lsm_apparmor_enabled()) {
        log_debug("process.apparmorProfile ignored: AppArmor is not enabled on this host");
        return 0;
    }
    int fd = open("/proc/thread-self/attr/apparmor/exec", O_WRONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) /* kernels before 5.8 */
        fd = open("/proc/thread-self/attr/exec", O_WRONLY | O_CLOEXEC);
    struct statfs sf;
    if (fd >= 0 && (fstatfs(fd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)) {
        close(fd);
        return rbox_error(err, EXDEV, "process.apparmorProfile: /proc is not procfs");
    }
    if (fd < 0)
        return rbox_error(err, errno, "process.apparmorProfile: opening the exec attribute");
    apparmor_exec_fd = fd;
    return 0;
}

int lsm_apply(const struct rbox_process *p, rbox_err **err)
{
    if (apparmor_exec_fd < 0)
        return 0;
    _cleanup_free_ char *cmd = xasprintf("exec %s", p->apparmor_profile);
    ssize_t n = write(apparmor_exec_fd, cmd, strlen(cmd));
    int saved = errno;
    close(apparmor_exec_fd);
    apparmor_exec_fd = -1;
    if (n < 0)
        return rbox_error(err, saved, "process.apparmorProfile \"%s\"%s", p->apparmor_profile,
                          saved == ENOENT ? " (is the profile loaded?)" : "");
    return 0;
}
