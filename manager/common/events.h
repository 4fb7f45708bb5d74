/* events.h - the store's event log, for `rbox events` and the API's /events: one JSON object a
 * line in <root>/events.log, in docker's event format
 *   {"Type":"container","Action":"start","Actor":{"ID":"...","Attributes":{"name":"x",...}},
 *    "scope":"local","time":1700000000,"timeNano":1700000000000000000,
 *    "status":"start","id":"...","from":"busybox"}
 * appended with one write(2) to an O_APPEND file (a line is whole, lines never interleave),
 * by rbox (create, destroy, kill, pause, unpause, rename, network and volume changes) and
 * rbox-monitor (start, die with exitCode, oom). When the file passes EVENTS_MAX_BYTES it is renamed
 * to events.log.1 (the previous one is dropped), so it never grows without bound. No allocation:
 * the monitor calls it. */
#ifndef RBOX_EVENTS_H
#define RBOX_EVENTS_H

#include <stdint.h>

#define EVENTS_FILE      "events.log"
#define EVENTS_MAX_BYTES (1024 * 1024)

/* attrs: NULL-terminated key, value pairs (values are JSON-escaped here). Failures are
 * ignored: events are a record, never a reason for a command to fail. */
void event_append(const char *store_root, const char *type, const char *action, const char *id,
                  const char *const *attrs);

#endif
