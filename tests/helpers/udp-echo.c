/* udp-echo.c - a UDP echo server for the network tests (tests/bats/manager/network_ports.bats):
 * binds 0.0.0.0:PORT, prints "ready", then answers every datagram with "echo: " and its payload.
 * Runs inside busybox containers (busybox has no UDP server): static, built by make.
 *
 *   udp-echo PORT
 * Exit status: 2 on a usage error, 1 when the socket cannot be bound. */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: udp-echo PORT\n");
        return 2;
    }
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET,
                             .sin_port = htons((unsigned short)atoi(argv[1])) };
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
        perror("udp-echo: bind");
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    for (;;) {
        char buf[512], out[600];
        struct sockaddr_in peer;
        socklen_t len = sizeof(peer);
        ssize_t n = recvfrom(s, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&peer, &len);
        if (n < 0)
            continue;
        buf[n] = '\0';
        int m = snprintf(out, sizeof(out), "echo: %s", buf);
        sendto(s, out, (size_t)m, 0, (struct sockaddr *)&peer, len);
    }
}
