/* client.h - the registry client (OCI distribution / Docker Registry HTTP API v2) over libcurl:
 * a connection to one registry with its auth (anonymous, basic, bearer tokens), pull and push.
 * Built into rbox-registry only (the Makefile says why rbox itself stays without libcurl). */
#ifndef RBOX_CLIENT_H
#define RBOX_CLIENT_H

#include "auth.h"
#include "ref.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct reg_opts {
    bool tls_verify; /* false: no certificate checks, and plain http when https fails */
    const char
        *cert_dir; /* CA .crt files, client .cert + .key; NULL: /etc/containers/certs.d/HOST */
    const char *authfile; /* NULL: authfile_path()'s order */
    const char *user;     /* explicit credentials (login), else from the auth files */
    const char *pass;
    bool quiet;        /* pull -q: no progress, only the image ID */
    FILE *out;         /* progress and status lines (stdout) */
    int parallel;      /* blobs in flight at once (3) */
    const char *peers; /* the staging dirs of concurrent pulls (peers.h), or NULL */
};

struct reg_client {
    const struct reg_opts *o;
    char *domain; /* as in the reference: "docker.io", "localhost:5000" */
    char *host;   /* credential key (registry_host_normalize) */
    char *base;   /* "https://registry-1.docker.io" */
    char *user, *pass;
    char *scopes; /* space-separated token scopes asked for so far */
    char *authz;  /* "Authorization: ..." header, NULL: anonymous */
    struct www_auth chal;
    bool have_chal;
    char *ca_data; /* CA bundle: the system's plus the cert dir's *.crt */
    size_t ca_len;
    char *client_cert, *client_key;
    CURL *easy; /* for the sequential requests (connection reused) */
};

struct reg_resp {
    long status;
    char *body;
    size_t len;
    char *content_type;
    char *location;
    char *digest; /* Docker-Content-Digest */
    char *www_auth;
    uint64_t content_length;
};
void reg_resp_clear(struct reg_resp *r);

/* Connect to the registry of domain: pick https (or http when tls_verify is off and https
 * fails), GET /v2/ and keep its challenge, load the credentials. */
int reg_client_open(struct reg_client *c, const struct reg_opts *o, const char *domain,
                    rbox_err **err);
void reg_client_close(struct reg_client *c);
/* Authenticate for scope ("repository:library/alpine:pull"; NULL: the registry itself, as login
 * does): a bearer token from the challenge's realm, or basic credentials. */
int reg_client_auth(struct reg_client *c, const char *scope, rbox_err **err);

/* A request body: memory (data, len) or a file (fd >= 0: len bytes from offset off). */
struct reg_body {
    const void *data;
    size_t len;
    int fd;
    off_t off;
    const char *content_type;
};
/* One request to path ("/v2/...", or an absolute URL as a Location gives). The body read is
 * capped at max_body bytes. A 401 with a bearer challenge for another scope gets a new token and
 * one retry. Only transport errors fail; the status is the caller's. */
int reg_request(struct reg_client *c, const char *method, const char *path, const char *accept,
                const struct reg_body *body, size_t max_body, struct reg_resp *r, rbox_err **err);
/* "<what>: <status> <the registry's error message>" for an unexpected status. */
int reg_status_error(const struct reg_resp *r, rbox_err **err, const char *fmt, ...) PRINTF(3, 4);
/* A handle with this client's TLS, auth and timeouts applied, for the caller's transfers
 * (the caller owns it and headers; *headers gets the Authorization line). */
CURL *reg_easy_new(struct reg_client *c, const char *url, struct curl_slist **headers);
/* An absolute URL for a path or Location value. */
char *reg_url(const struct reg_client *c, const char *path);

/* The hex sha256 of data (out: 65 bytes) */
void reg_sha256_hex(const void *data, size_t len, char out[65]);

/* pull.c: fetch ref's manifest (platform "os/arch[/variant]", NULL: linux and this machine's
 * architecture), its config and layers into the OCI image layout layout_dir (created; an
 * existing one is an error). A blob for which have_blob() returns true is not fetched: it is
 * hard-linked from path_out (PATH_MAX), or left out of the layout when path_out is "".
 * Every blob is checked against its digest and size while it streams. On error the partial
 * layout_dir is removed. id_out (72 bytes, may be NULL): "sha256:<config digest>", docker's image
 * ID. */
int registry_pull(const struct reg_opts *o, const struct image_ref *ref, const char *platform,
                  const char *layout_dir,
                  bool (*have_blob)(const char *digest, char *path_out, void *ctx), void *ctx,
                  char *id_out, rbox_err **err);
/* push.c: push the image whose manifest is manifest_digest (NULL: the only one of
 * layout_dir/index.json, or the one whose ref.name annotation is tag) with its blobs from
 * layout_dir/blobs to dest. Blobs the registry has are not sent (HEAD first); a blob of mount_from
 * (a repository of the same registry, may be NULL) is mounted instead of uploaded. */
int registry_push(const struct reg_opts *o, const char *layout_dir, const char *manifest_digest,
                  const char *tag, const struct image_ref *dest, const char *mount_from,
                  rbox_err **err);
/* login.c: check user/pass against the registry (GET /v2/ through its auth flow). */
int registry_login_check(const struct reg_opts *o, const char *host, rbox_err **err);

#endif
