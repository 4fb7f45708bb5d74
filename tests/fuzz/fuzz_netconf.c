/* fuzz_netconf.c - the parsers of networking and rbox.conf: rbox.conf text (rbox_conf_parse),
 * -p values (net_port_parse), subnets (cidr4_parse). Input: the text.
 *
 * Properties: a parsed port mapping has ports in 1..65535 whose range stays below 65536, a
 * parsed subnet has no host bits, and rbox.conf either parses with default_network one of
 * bridge, none, host, or says why with a message. */
#define _GNU_SOURCE
#include "conf.h"
#include "fuzz.h"
#include "netreq.h"
#include "network.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_str(data, size);
    rbox_err *err = NULL;
    struct rbox_conf c;
    if (rbox_conf_parse(&c, text, "fuzz.conf", &err) == 0) {
        FUZZ_ASSERT(str_eq(c.default_network, "bridge") || str_eq(c.default_network, "none") ||
                        str_eq(c.default_network, "host"),
                    "default_network %s", c.default_network);
    } else {
        FUZZ_ASSERT(err && err->msg, "no message");
        rbox_err_free(steal_pointer(&err));
    }
    rbox_conf_clear(&c);
    struct port_map pm;
    if (net_port_parse(text, &pm, &err) == 0) {
        FUZZ_ASSERT(pm.ctr_port >= 1 && pm.range >= 1 &&
                        (unsigned)pm.ctr_port + pm.range - 1 <= 65535,
                    "container ports %u+%u", pm.ctr_port, pm.range);
        FUZZ_ASSERT(pm.host_port == 0 || (unsigned)pm.host_port + pm.range - 1 <= 65535,
                    "host ports %u+%u", pm.host_port, pm.range);
    } else {
        FUZZ_ASSERT(err && err->msg, "no message");
        rbox_err_free(steal_pointer(&err));
    }
    uint32_t addr;
    int prefix;
    if (cidr4_parse(text, &addr, &prefix) == 0)
        FUZZ_ASSERT(prefix >= 0 && prefix <= 32 &&
                        (prefix == 32 || (addr & ((1u << (32 - prefix)) - 1)) == 0),
                    "%s: host bits", text);
    free(text);
    return 0;
}
