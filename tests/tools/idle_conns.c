/* tests/tools/idle_conns.c — the abusive client of drugflow-sim's load
 * tests: opens many TCP connections that never finish (or only trickle) a
 * TLS handshake and holds them, reporting how many the server closed.
 * (A tiny C helper: the fresh Debian machine has no python.)
 *
 *   idle-conns HOST PORT COUNT HOLD_S [SOURCE_ADDR [TRICKLE_MS]]
 *
 * Prints "ready connected=K" once the connects are done and, after HOLD_S
 * seconds, "done connected=K closed=C" (C: closed or reset by the server). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: idle-conns HOST PORT COUNT HOLD_S [SOURCE_ADDR [TRICKLE_MS]]\n");
        return 2;
    }
    int n = atoi(argv[3]), hold = atoi(argv[4]), trickle = argc > 6 ? atoi(argv[6]) : 0;
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[2]))};
    struct sockaddr_in from = {.sin_family = AF_INET};
    if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1 ||
        (argc > 5 && inet_pton(AF_INET, argv[5], &from.sin_addr) != 1)) {
        fprintf(stderr, "idle-conns: not an IPv4 address\n");
        return 2;
    }
    struct pollfd *p = calloc((size_t)n, sizeof *p);
    int *open_ = calloc((size_t)n, sizeof *open_), connected = 0, closed = 0;
    for (int i = 0; i < n; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0 || (argc > 5 && bind(fd, (struct sockaddr *)&from, sizeof from) != 0) ||
            connect(fd, (struct sockaddr *)&to, sizeof to) != 0) {
            perror("idle-conns");
            return 1;
        }
        fcntl(fd, F_SETFL, O_NONBLOCK);
        p[i] = (struct pollfd){.fd = fd, .events = POLLIN};
        open_[i] = 1;
        connected++;
    }
    printf("ready connected=%d\n", connected);
    fflush(stdout);
    /* A TLS record header and a ClientHello's first bytes, one byte at a time. */
    static const unsigned char hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03};
    size_t sent = 0;
    long long end = now_ms() + hold * 1000LL, next = now_ms() + trickle;
    while (now_ms() < end) {
        int r = poll(p, (nfds_t)n, 100);
        for (int i = 0; r > 0 && i < n; i++) {
            if (!open_[i] || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char b[4096];
            ssize_t k = read(p[i].fd, b, sizeof b);
            if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR)) {
                open_[i] = 0;
                p[i].events = 0;
                closed++;
            }
        }
        if (trickle > 0 && now_ms() >= next) {
            unsigned char c = sent < sizeof hello ? hello[sent] : 0;
            sent++;
            for (int i = 0; i < n; i++)
                if (open_[i] && send(p[i].fd, &c, 1, MSG_NOSIGNAL) < 0 && errno != EAGAIN) {
                    open_[i] = 0;
                    p[i].events = 0;
                    closed++;
                }
            next = now_ms() + trickle;
        }
    }
    printf("done connected=%d closed=%d\n", connected, closed);
    return 0;
}
