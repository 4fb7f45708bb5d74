/* auth.h - registry credentials and challenges: the WWW-Authenticate header (RFC 7235, as the
 * distribution spec and Docker Hub send it) and the auth.json files podman, skopeo and docker
 * keep logins in. No network here (registry/client/ does that). */
#ifndef RBOX_AUTH_H
#define RBOX_AUTH_H

#include "error.h"

struct www_auth {
    char *scheme; /* "bearer", "basic" (lower case) */
    char *realm;
    char *service;
    char *scope;
    char *error; /* the error parameter, if any ("insufficient_scope") */
};

/* Parse the first challenge of a WWW-Authenticate value: scheme, then auth-params
 * (key=token or key="quoted\"string") separated by commas. Unknown params are ignored. */
int www_auth_parse(const char *value, struct www_auth *out, rbox_err **err);
void www_auth_clear(struct www_auth *a);

/* The auth.json rbox writes (login, logout) and reads first: authfile when given, else
 * $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json, else (root)
 * /run/containers/0/auth.json: podman's and skopeo's order. */
char *authfile_path(const char *authfile);
/* Credentials for host ("docker.io", "localhost:5000"): from the file above, then
 * $XDG_CONFIG_HOME/containers/auth.json (~/.config), then docker's $DOCKER_CONFIG/config.json
 * (~/.docker/config.json). 0 and *user, *pass set (owned by the caller); 1 when none. */
int authfile_lookup(const char *authfile, const char *host, char **user, char **pass,
                    rbox_err **err);
/* Store (pass != NULL) or remove (pass == NULL) host's entry in authfile_path(authfile),
 * keeping every other entry; the file is 0600, written atomically. Removing an entry that is
 * not there: 1. */
int authfile_store(const char *authfile, const char *host, const char *user, const char *pass,
                   rbox_err **err);

#endif
