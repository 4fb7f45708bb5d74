/* healthconf.h - a container's health check, shared by rbox and rbox-monitor.
 *
 * rbox writes HEALTH_CONF (in the container's store dir) at create when the container has a
 * check: NUL-terminated fields "INTERVAL_NS", "TIMEOUT_NS", "START_PERIOD_NS", "RETRIES", then
 * the command's argv (CMD-SHELL already turned into /bin/sh -c CMD). The monitor runs it
 * (`rbox-runtime exec ID ARGV...`) and writes HEALTH_STATE, docker's State.Health:
 *   {"Status":"starting|healthy|unhealthy","FailingStreak":N,
 *    "Log":[{"Start":"RFC3339","End":"RFC3339","ExitCode":N,"Output":"..."}]}
 * (the last HEALTH_LOG_MAX checks, each output cut at HEALTH_OUTPUT_MAX bytes, as docker). */
#ifndef RBOX_HEALTHCONF_H
#define RBOX_HEALTHCONF_H

#define HEALTH_CONF       "healthcheck.conf"
#define HEALTH_STATE      "health.json"
#define HEALTH_CONF_MAX   8192
#define HEALTH_LOG_MAX    5
#define HEALTH_OUTPUT_MAX 4096

#endif
