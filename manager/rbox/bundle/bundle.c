/* bundle.c - the OCI bundle of a container: config.json from the request (struct ctr_spec),
 * one writer per section (process.c, mounts.c, linux.c, seccomp.c), and the /etc files it
 * bind-mounts. */
#define _GNU_SOURCE
#include "bundle.h"
#include "json.h"
#include "netsetup.h"
#include "spec.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* /etc/hostname, /etc/hosts, /etc/resolv.conf of the container (bind-mounted). */
static int etc_files(int ctrfd, const struct ctr_spec *s, const char *hostname, rbox_err **err)
{
    bool host = str_eq(s->network, "host");
    _cleanup_free_ char *hn = xasprintf("%s\n", hostname);
    _cleanup_free_ char *hosts = NULL, *resolv = NULL;
    if (host)
        read_file_at(AT_FDCWD, "/etc/hosts", &hosts, NULL);
    if (hosts == NULL)
        hosts = xasprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                          "127.0.1.1\t%s\n",
                          hostname);
    if (host)
        read_file_at(AT_FDCWD, "/etc/resolv.conf", &resolv, NULL);
    if (resolv == NULL) /* none: no name servers; bridge networks rewrite it at start */
        resolv = net_resolv_default(s);
    if (write_file_atomic_at(ctrfd, "hostname", hn, strlen(hn), 0644, false) < 0 ||
        write_file_atomic_at(ctrfd, "hosts", hosts, strlen(hosts), 0644, false) < 0 ||
        write_file_atomic_at(ctrfd, "resolv.conf", resolv, strlen(resolv), 0644, false) < 0)
        return rbox_error(err, errno, "writing the container's /etc files");
    return 0;
}

int bundle_write(const struct store *st, const struct ctr_spec *s, rbox_err **err)
{
    _cleanup_free_ char *ctr_dir = ctr_path(st, s->id, NULL);
    _cleanup_close_ int ctrfd = open(ctr_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (ctrfd < 0)
        return rbox_error(err, errno, "opening %s", ctr_dir);
    char shortid[13];
    ctr_copy(shortid, sizeof(shortid), s->id);
    const char *hostname = s->hostname ? s->hostname : shortid;
    if (etc_files(ctrfd, s, hostname, err) < 0 ||
        sbx_create_extras(st, ctrfd, s->id, &s->sbx, err) < 0 ||
        health_create_extras(ctrfd, &s->health, err) < 0)
        return -1;
    if (mkdirat(ctrfd, "bundle", 0700) < 0 && errno != EEXIST)
        return rbox_error(err, errno, "creating the bundle directory");
    return bundle_write_config(st, s, err);
}

int bundle_write_config(const struct store *st, const struct ctr_spec *s, rbox_err **err)
{
    _cleanup_free_ char *ctr_dir = ctr_path(st, s->id, NULL);
    _cleanup_free_ char *rootfs = ctr_run_path(st, s->id, "rootfs");
    _cleanup_close_ int ctrfd = open(ctr_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (ctrfd < 0)
        return rbox_error(err, errno, "opening %s", ctr_dir);
    char shortid[13];
    ctr_copy(shortid, sizeof(shortid), s->id);
    const char *hostname = s->hostname ? s->hostname : shortid;
    json_w w;
    jw_init(&w, true);
    jw_obj_open(&w);
    jw_kstr(&w, "ociVersion", "1.2.0");
    bundle_process(&w, s, hostname);
    jw_key(&w, "root");
    jw_obj_open(&w);
    jw_kstr(&w, "path", rootfs);
    jw_kbool(&w, "readonly", s->read_only);
    jw_obj_close(&w);
    if (!str_eq(s->ns.uts, "host")) /* the host's uts namespace: never renamed */
        jw_kstr(&w, "hostname", hostname);
    bundle_mounts(&w, ctr_dir, st, s);
    _cleanup_free_ char *netns = net_ns_path(st, s);
    bundle_linux(&w, st, s, netns);
    jw_key(&w, "annotations");
    jw_obj_open(&w);
    jw_kstr(&w, "io.rbox.container.name", s->name);
    jw_kstr(&w, "io.rbox.image", s->image);
    jw_obj_close(&w);
    jw_obj_close(&w);
    size_t len;
    const char *text = jw_text(&w, &len);
    int r = write_file_atomic_at(ctrfd, "bundle/config.json", text, len, 0600, !s->auto_remove);
    int saved = errno;
    jw_free(&w);
    if (r < 0)
        return rbox_error(err, saved, "writing the bundle's config.json");
    return 0;
}
