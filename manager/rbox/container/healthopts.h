/* healthopts.h - a container's health check (docker's HEALTHCHECK): --health-cmd,
 * --health-interval, --health-timeout, --health-retries, --health-start-period and
 * --no-healthcheck of run/create, merged with the image's config Healthcheck at create, kept in
 * config.json ("health", docker's Healthcheck object) and handed to rbox-monitor in
 * HEALTH_CONF (healthconf.h), which runs it. inspect shows Config.Healthcheck and
 * State.Health; ps shows "(healthy)". See docs/manager.md (Health checks). */
#ifndef RBOX_HEALTHOPTS_H
#define RBOX_HEALTHOPTS_H

#include "error.h"
#include "json.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* docker's defaults for what neither the flags nor the image set */
#define HEALTH_DEFAULT_INTERVAL (30 * 1000000000LL)
#define HEALTH_DEFAULT_TIMEOUT  (30 * 1000000000LL)
#define HEALTH_DEFAULT_RETRIES  3

struct health_opts {
    /* docker's Test: ["CMD-SHELL", CMD], ["CMD", ARG...], ["NONE"]; NULL: none given */
    char **test;
    int64_t interval_ns, timeout_ns, start_period_ns; /* 0: not given */
    int retries;                                      /* 0: not given */
    bool no_healthcheck, given;                       /* --no-healthcheck; a --health-* flag */
};
void health_clear(struct health_opts *h);

/* One of the flags above by its long name; false when name is none of them. */
bool health_flag(struct health_opts *h, const char *name, const char *v, rbox_err **err, int *rc);
/* Once all flags are parsed: --no-healthcheck with a --health-* flag is refused (docker). */
int health_finish(struct health_opts *h, rbox_err **err);
/* At create: the image's config Healthcheck fills what the flags left unset (docker's merge). */
void health_resolve(struct health_opts *h, yajl_val image_config);
/* The API's create: the body's Healthcheck (docker's object) over what the image gave; its
 * zero values inherit, as docker's. */
void health_from_json(struct health_opts *h, yajl_val hc);
/* Whether the container has a check to run (a Test that is not NONE). */
bool health_enabled(const struct health_opts *h);

/* config.json: docker's Healthcheck object under "health" (also inspect's Config.Healthcheck). */
void health_save(json_w *w, const struct health_opts *h);
void health_load(yajl_val v, struct health_opts *h);
/* At create: HEALTH_CONF for the monitor (removed when there is no check). */
int health_create_extras(int ctrfd, const struct health_opts *h, rbox_err **err);

/* inspect: Config.Healthcheck (omitted without one), State.Health (omitted without a check). */
void health_inspect_config(json_w *w, const struct health_opts *h);
void health_inspect_state(json_w *w, int ctrfd);
/* The Status of HEALTH_STATE ("starting", "healthy", "unhealthy") into out; "" when the
 * container has no check, "starting" before the first result. */
void health_status(int ctrfd, char *out, size_t len);

#endif
