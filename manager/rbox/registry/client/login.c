/* login.c - checking credentials the way `docker login` does: GET /v2/ through the registry's
 * auth flow (a token from the realm for the bearer flow) must succeed with them. */
#define _GNU_SOURCE
#include "client.h"

int registry_login_check(const struct reg_opts *o, const char *host, rbox_err **err)
{
    struct reg_client c;
    int r = reg_client_open(&c, o, host, err);
    if (r == 0 && c.have_chal) {
        if (!c.user)
            r = rbox_error(err, 0, "%s: the registry wants credentials (-u)", c.host);
        else if (reg_client_auth(&c, NULL, err) < 0)
            r = rbox_error_prefix(err, "logging in to %s as %s", c.host, c.user);
    }
    if (r == 0 && c.have_chal) {
        struct reg_resp resp = { 0 };
        r = reg_request(&c, "GET", "/v2/", "application/json", NULL, 1 << 20, &resp, err);
        if (r == 0 && resp.status != 200)
            r = reg_status_error(&resp, err, "logging in to %s as %s", c.host, c.user);
        reg_resp_clear(&resp);
    }
    reg_client_close(&c);
    return r;
}
