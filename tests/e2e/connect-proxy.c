/* tests/e2e/connect-proxy.c — a small HTTP CONNECT proxy for the proxy
 * tests (issue 11): corporate networks reach the province through one.
 *
 *   connect-proxy --port-file F --log F [--deny] [--auth BASE64(user:pass)]
 *
 * Listens on 127.0.0.1 (a port of its own choosing, written to the port
 * file), answers CONNECT host:port with a tunnel and logs one line per
 * request ("CONNECT host:port 200"); anything but CONNECT gets 405.
 * --deny answers every CONNECT with 403; --auth asks for Basic credentials
 * (407 without them). Runs until SIGTERM. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static int deny;
static const char *auth;
static FILE *logf_;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

static void log_line(const char *target, int status)
{
    pthread_mutex_lock(&log_mu);
    fprintf(logf_, "CONNECT %s %d\n", target, status);
    fflush(logf_);
    pthread_mutex_unlock(&log_mu);
}

static void reply(int fd, const char *status_line, const char *extra)
{
    char buf[512];
    int n = snprintf(buf, sizeof buf, "HTTP/1.1 %s\r\n%sContent-Length: 0\r\n\r\n", status_line, extra);
    (void)!write(fd, buf, (size_t)n);
}

static int dial(const char *target)
{
    char host[256], *colon;
    snprintf(host, sizeof host, "%s", target);
    if (!(colon = strrchr(host, ':')))
        return -1;
    *colon = 0;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai, *p;
    /* localhost is the loopback address without the resolver (RFC 6761), as
     * curl has it: a fresh Debian root or container has no /etc/hosts. */
    if (getaddrinfo(strcasecmp(host, "localhost") ? host : NULL, colon + 1, &hints, &ai) != 0)
        return -1;
    int fd = -1;
    for (p = ai; p && fd < 0; p = p->ai_next) {
        fd = socket(p->ai_family, p->ai_socktype, p->ai_protocol);
        if (fd >= 0 && connect(fd, p->ai_addr, p->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(ai);
    return fd;
}

/* Copies bytes both ways until one side closes. */
static void relay(int a, int b)
{
    char buf[16384];
    struct pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
    for (;;) {
        if (poll(p, 2, 60000) <= 0)
            return;
        for (int i = 0; i < 2; i++) {
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = read(p[i].fd, buf, sizeof buf);
            if (n <= 0)
                return;
            for (ssize_t o = 0; o < n;) {
                ssize_t w = write(p[1 - i].fd, buf + o, (size_t)(n - o));
                if (w <= 0)
                    return;
                o += w;
            }
        }
    }
}

static void *serve(void *arg)
{
    int fd = (int)(long)arg, up = -1;
    char req[8192];
    size_t len = 0;
    while (len + 1 < sizeof req && !strstr(req, "\r\n\r\n")) {
        ssize_t n = read(fd, req + len, sizeof req - 1 - len);
        if (n <= 0)
            goto out;
        len += (size_t)n;
        req[len] = 0;
    }
    char method[16], target[300];
    if (sscanf(req, "%15s %299s", method, target) != 2 || strcmp(method, "CONNECT")) {
        reply(fd, "405 Method Not Allowed", "");
        goto out;
    }
    if (auth) {
        char want[512];
        snprintf(want, sizeof want, "Proxy-Authorization: Basic %s\r\n", auth);
        if (!strcasestr(req, want)) {
            log_line(target, 407);
            reply(fd, "407 Proxy Authentication Required", "Proxy-Authenticate: Basic realm=\"test\"\r\n");
            goto out;
        }
    }
    if (deny) {
        log_line(target, 403);
        reply(fd, "403 Forbidden", "");
        goto out;
    }
    if ((up = dial(target)) < 0) {
        log_line(target, 502);
        reply(fd, "502 Bad Gateway", "");
        goto out;
    }
    log_line(target, 200);
    static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
    if (write(fd, ok, sizeof ok - 1) == (ssize_t)(sizeof ok - 1))
        relay(fd, up);
out:
    if (up >= 0)
        close(up);
    close(fd);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *port_file = NULL, *log_file = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--port-file") && i + 1 < argc)
            port_file = argv[++i];
        else if (!strcmp(argv[i], "--log") && i + 1 < argc)
            log_file = argv[++i];
        else if (!strcmp(argv[i], "--auth") && i + 1 < argc)
            auth = argv[++i];
        else if (!strcmp(argv[i], "--deny"))
            deny = 1;
        else {
            fprintf(stderr, "usage: connect-proxy --port-file F --log F [--deny] [--auth BASE64]\n");
            return 2;
        }
    }
    if (!port_file || !log_file || !(logf_ = fopen(log_file, "a")))
        return 2;
    signal(SIGPIPE, SIG_IGN);
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 64) != 0 ||
        getsockname(s, (struct sockaddr *)&a, &al) != 0) {
        perror("connect-proxy");
        return 1;
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
    FILE *pf = fopen(tmp, "w");
    if (!pf || fprintf(pf, "%d\n", ntohs(a.sin_port)) < 0 || fclose(pf) != 0 || rename(tmp, port_file) != 0)
        return 1;
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0) {
            if (errno == EINTR)
                continue;
            return 1;
        }
        pthread_t t;
        if (pthread_create(&t, NULL, serve, (void *)(long)c) == 0)
            pthread_detach(t);
        else
            close(c);
    }
}
