/* ref.h - image references as docker resolves them: "alpine" is docker.io/library/alpine:latest,
 * "host:port/name:tag", "name@sha256:<hex>", "localhost/x" (distribution/reference's grammar). */
#ifndef RBOX_REF_H
#define RBOX_REF_H

#include "error.h"

#define REF_DEFAULT_DOMAIN "docker.io"
#define REF_NAME_MAX       255

struct image_ref {
    char *domain; /* "docker.io", "localhost:5000", "[::1]:5000" */
    char *path;   /* "library/alpine" */
    char *tag;    /* "latest"; NULL when only a digest was given */
    char *digest; /* "sha256:<64 hex>" or NULL */
};

/* Parse and normalize s into *out (cleared first; free with image_ref_clear). A reference with
 * neither tag nor digest gets the tag "latest". Refused with one message naming what is wrong. */
int image_ref_parse(const char *s, struct image_ref *out, rbox_err **err);
void image_ref_clear(struct image_ref *r);
/* "docker.io/library/alpine:latest", "host/x@sha256:..." (tag and digest when both are set). */
char *image_ref_string(const struct image_ref *r);
/* The reference's registry host as credentials are keyed: "docker.io" for docker.io,
 * index.docker.io and registry-1.docker.io; an "https://host/v1/" form is reduced to "host". */
char *registry_host_normalize(const char *s, rbox_err **err);
/* true for "sha256:" + 64 lower-case hex digits */
bool ref_digest_valid(const char *d);

#endif
