/* manifest.c - reading Docker schema 2 and OCI manifests and indexes, and picking a platform the
 * way docker does (os and architecture equal; the variant when one is asked for). */
#define _GNU_SOURCE
#include "manifest.h"
#include "ref.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

void descriptor_clear(struct descriptor *d)
{
    free(d->media_type);
    free(d->digest);
    *d = (struct descriptor){ 0 };
}

int manifest_kind(yajl_val doc, const char *content_type, const char *what, enum manifest_kind *k,
                  char **media_type, rbox_err **err)
{
    const char *mt = json_get_str(doc, "mediaType");
    _cleanup_free_ char *ct =
        content_type ? xstrndup(content_type, strcspn(content_type, "; ")) : NULL;
    if (!mt || !*mt)
        mt = ct;
    if (!mt || !*mt) {
        /* an OCI document may leave mediaType out: tell by its fields */
        if (json_get(doc, "manifests"))
            mt = MT_OCI_INDEX;
        else if (json_get(doc, "config") && json_get(doc, "layers"))
            mt = MT_OCI_MANIFEST;
        else
            return rbox_error(err, 0, "%s: a manifest without a media type", what);
    }
    if (strcmp(mt, MT_OCI_INDEX) == 0 || strcmp(mt, MT_DOCKER_LIST) == 0)
        *k = MK_INDEX;
    else if (strcmp(mt, MT_OCI_MANIFEST) == 0 || strcmp(mt, MT_DOCKER_V2) == 0)
        *k = MK_IMAGE;
    else if (str_has_prefix(mt, "application/vnd.docker.distribution.manifest.v1"))
        return rbox_error(err, 0,
                          "%s: Docker schema 1 manifests (%s) are not supported (deprecated "
                          "since 2017; push the image again with a current client)",
                          what, mt);
    else
        return rbox_error(err, 0, "%s: unsupported manifest media type \"%s\"", what, mt);
    int64_t sv;
    if (json_get_i64(doc, "schemaVersion", &sv) && sv != 2)
        return rbox_error(err, 0, "%s: unsupported schemaVersion %lld", what, (long long)sv);
    *media_type = xstrdup(mt);
    return 0;
}

int descriptor_parse(yajl_val obj, const char *what, struct descriptor *d, rbox_err **err)
{
    *d = (struct descriptor){ 0 };
    const char *mt = json_get_str(obj, "mediaType"), *dg = json_get_str(obj, "digest");
    int64_t size;
    if (!YAJL_IS_OBJECT(obj))
        return rbox_error(err, 0, "%s: not a descriptor object", what);
    if (!dg)
        return rbox_error(err, 0, "%s: no digest", what);
    if (!ref_digest_valid(dg))
        return rbox_error(err, 0, "%s: unsupported digest \"%.80s\" (only sha256)", what, dg);
    if (!json_get_i64(obj, "size", &size) || size < 0)
        return rbox_error(err, 0, "%s: no valid size", what);
    d->media_type = xstrdup(mt ? mt : "");
    d->digest = xstrdup(dg);
    d->size = (uint64_t)size;
    return 0;
}

static bool layer_type_ok(const char *mt)
{
    static const char *const ok[] = {
        "application/vnd.oci.image.layer.v1.tar",
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.layer.v1.tar+zstd",
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "application/vnd.docker.image.rootfs.diff.tar",
    };
    for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
        if (strcmp(mt, ok[i]) == 0)
            return true;
    return false;
}

int manifest_image(yajl_val doc, const char *what, struct descriptor *config,
                   struct descriptor **layers, size_t *n_layers, rbox_err **err)
{
    *layers = NULL;
    *n_layers = 0;
    _cleanup_free_ char *cw = xasprintf("%s: config", what);
    if (descriptor_parse(json_get(doc, "config"), cw, config, err) < 0)
        return -1;
    if (strcmp(config->media_type, MT_OCI_CONFIG) != 0 &&
        strcmp(config->media_type, MT_DOCKER_CONFIG) != 0) {
        rbox_error(err, 0, "%s: not a container image (config media type \"%s\")", what,
                   config->media_type);
        descriptor_clear(config);
        return -1;
    }
    yajl_val ls = json_get(doc, "layers");
    if (!YAJL_IS_ARRAY(ls)) {
        descriptor_clear(config);
        return rbox_error(err, 0, "%s: no layers array", what);
    }
    struct descriptor *out = xcalloc(ls->u.array.len + 1, sizeof(*out));
    for (size_t i = 0; i < ls->u.array.len; i++) {
        _cleanup_free_ char *lw = xasprintf("%s: layers[%zu]", what, i);
        int r = descriptor_parse(ls->u.array.values[i], lw, &out[i], err);
        if (r == 0 && !layer_type_ok(out[i].media_type))
            r = rbox_error(err, 0, "%s: unsupported layer media type \"%s\"%s", lw,
                           out[i].media_type,
                           strstr(out[i].media_type, "foreign") ||
                                   strstr(out[i].media_type, "nondistributable")
                               ? " (a foreign layer, fetched from elsewhere)"
                               : "");
        if (r < 0) {
            for (size_t j = 0; j <= i; j++)
                descriptor_clear(&out[j]);
            free(out);
            descriptor_clear(config);
            return -1;
        }
    }
    *layers = out;
    *n_layers = ls->u.array.len;
    return 0;
}

static const char *arch_name(const char *machine)
{
    static const char *const map[][2] = {
        { "x86_64", "amd64" },    { "aarch64", "arm64" }, { "armv7l", "arm" },
        { "armv6l", "arm" },      { "i686", "386" },      { "i386", "386" },
        { "ppc64le", "ppc64le" }, { "s390x", "s390x" },   { "riscv64", "riscv64" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(map); i++)
        if (strcmp(machine, map[i][0]) == 0)
            return map[i][1];
    return machine;
}

char *platform_default(void)
{
    struct utsname u;
    if (uname(&u) < 0)
        return xstrdup("linux/amd64");
    const char *a = arch_name(u.machine);
    if (strcmp(u.machine, "armv7l") == 0)
        return xstrdup("linux/arm/v7");
    if (strcmp(u.machine, "armv6l") == 0)
        return xstrdup("linux/arm/v6");
    return xasprintf("linux/%s", a);
}

/* arm64's variant v8 is the default one: "" and "v8" are equal there */
static bool variant_eq(const char *arch, const char *want, const char *have)
{
    if (!want || !*want)
        return true;
    if (strcmp(arch, "arm64") == 0 && (!have || !*have))
        return strcmp(want, "v8") == 0;
    return have && strcmp(want, have) == 0;
}

int manifest_pick(yajl_val doc, const char *platform, const char *what, struct descriptor *out,
                  rbox_err **err)
{
    _cleanup_free_ char *dflt = platform ? NULL : platform_default();
    _cleanup_free_ char *p = xstrdup(platform ? platform : dflt);
    char *arch = strchr(p, '/');
    if (!arch || !arch[1] || arch == p)
        return rbox_error(err, 0, "--platform \"%s\": expected os/arch[/variant]", p);
    *arch++ = '\0';
    char *variant = strchr(arch, '/');
    if (variant)
        *variant++ = '\0';
    const char *want_arch = arch_name(arch);
    yajl_val ms = json_get(doc, "manifests");
    if (!YAJL_IS_ARRAY(ms))
        return rbox_error(err, 0, "%s: index without a manifests array", what);
    _cleanup_free_ char *seen = xstrdup("");
    for (size_t i = 0; i < ms->u.array.len; i++) {
        yajl_val m = ms->u.array.values[i];
        yajl_val pl = json_get(m, "platform");
        const char *os = json_get_str(pl, "os"), *a = json_get_str(pl, "architecture");
        const char *v = json_get_str(pl, "variant");
        if (!os || !a || strcmp(a, "unknown") == 0)
            continue;
        char *s =
            xasprintf("%s%s%s/%s%s%s", seen, *seen ? ", " : "", os, a, v ? "/" : "", v ? v : "");
        free(seen);
        seen = s;
        if (strcmp(os, p) != 0 || strcmp(a, want_arch) != 0 || !variant_eq(a, variant, v))
            continue;
        _cleanup_free_ char *mw = xasprintf("%s: manifests[%zu]", what, i);
        return descriptor_parse(m, mw, out, err);
    }
    return rbox_error(err, 0, "%s: no image for platform %s/%s%s%s (there are: %s)", what, p, arch,
                      variant ? "/" : "", variant ? variant : "", *seen ? seen : "none");
}
