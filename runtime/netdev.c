/* netdev.c - linux.netDevices: move host interfaces into the container's network namespace. */
#define _GNU_SOURCE
#include "netdev.h"
#include "namespaces.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct link_req {
    struct nlmsghdr nh;
    struct ifinfomsg ifi;
    char attrs[64];
};

static void add_attr(struct link_req *r, unsigned short type, const void *data, size_t len)
{
    struct rtattr *a = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->nh.nlmsg_len));
    a->rta_type = type;
    a->rta_len = (unsigned short)RTA_LENGTH(len);
    memcpy(RTA_DATA(a), data, len);
    r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* One RTM_NEWLINK: into the network namespace netns_fd (or pid's when -1), under its new name.
 * Returns -errno. */
static int move_one(int fd, unsigned index, pid_t pid, int netns_fd, const char *name)
{
    struct link_req r;
    memset(&r, 0, sizeof(r));
    r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
    r.nh.nlmsg_type = RTM_NEWLINK;
    r.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    r.nh.nlmsg_seq = 1;
    r.ifi.ifi_family = AF_UNSPEC;
    r.ifi.ifi_index = (int)index;
    uint32_t p = (uint32_t)pid, nsfd = (uint32_t)netns_fd;
    if (netns_fd >= 0)
        add_attr(&r, IFLA_NET_NS_FD, &nsfd, sizeof(nsfd));
    else
        add_attr(&r, IFLA_NET_NS_PID, &p, sizeof(p));
    add_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
    if (send(fd, &r, r.nh.nlmsg_len, 0) < 0)
        return -errno;
    char buf[1024];
    ssize_t n;
    do {
        n = recv(fd, buf, sizeof(buf), 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    struct nlmsghdr *h = (struct nlmsghdr *)buf;
    if (!NLMSG_OK(h, (unsigned)n) || h->nlmsg_type != NLMSG_ERROR)
        return -EPROTO;
    return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
}

int netdev_move(const struct rbox_linux *l, pid_t pid, int netns_fd, rbox_err **err)
{
    if (l->n_net_devices == 0)
        return 0;
    _cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return rbox_error(err, errno, "linux.netDevices: netlink socket");
    for (size_t i = 0; i < l->n_net_devices; i++) {
        const struct rbox_net_device *d = &l->net_devices[i];
        const char *name = d->name ? d->name : d->host_name;
        unsigned index = if_nametoindex(d->host_name);
        if (index == 0)
            return rbox_error(err, errno, "linux.netDevices: \"%s\": no such interface on the host",
                              d->host_name);
        int r = move_one(fd, index, pid, netns_fd, name);
        if (r < 0)
            return rbox_error(err, -r,
                              "linux.netDevices: moving \"%s\" into the container as \"%s\"",
                              d->host_name, name);
    }
    return 0;
}

int netdev_up(const struct rbox_linux *l, rbox_err **err)
{
    for (size_t i = 0; i < l->n_net_devices; i++) {
        const struct rbox_net_device *d = &l->net_devices[i];
        if (ns_link_up(d->name ? d->name : d->host_name, err) < 0)
            return rbox_error_prefix(err, "linux.netDevices");
    }
    return 0;
}
