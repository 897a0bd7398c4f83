/* A minimal, fast QMP peer for benchmarks: greeting, then {"return": {}} with
 * the command's id for every command (split where braces balance, as QEMU
 * does: Python's qemu.qmp sends no newline). With FLOOD=N in the
 * environment it sends N event lines after negotiation, then a FLOOD_END event.
 * One forked child per connection.  usage: peer SOCKET_PATH */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void write_all(int fd, const char *p, size_t n) {
    while (n > 0) { ssize_t w = write(fd, p, n); if (w <= 0) _exit(0); p += w; n -= (size_t)w; }
}

static void flood(int fd, long count) {
    static const char line[] = "{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 123456}, \"event\": \"JOB_STATUS_CHANGE\", \"data\": {\"status\": \"running\", \"id\": \"job0\"}}\r\n";
    size_t len = sizeof line - 1, per = 65536 / len;
    char *buf = malloc(per * len);
    for (size_t i = 0; i < per; i++) memcpy(buf + i * len, line, len);
    for (long sent = 0; sent < count;) {
        long n = count - sent < (long)per ? count - sent : (long)per;
        write_all(fd, buf, (size_t)n * len); sent += n;
    }
    const char end[] = "{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 1}, \"event\": \"FLOOD_END\"}\r\n";
    write_all(fd, end, sizeof end - 1);
    free(buf);
}

static void serve(int fd, long flood_count) {
    const char greeting[] = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, \"package\": \"bench\"}, \"capabilities\": []}}\r\n";
    write_all(fd, greeting, sizeof greeting - 1);
    static char in[1 << 20], out[1 << 20];
    size_t have = 0, scanned = 0; int negotiated = 0, depth = 0, in_string = 0, escaped = 0;
    for (;;) {
        ssize_t r = read(fd, in + have, sizeof in - have - 1);
        if (r <= 0) return;
        have += (size_t)r;
        size_t start = 0, outlen = 0;
        for (size_t i = scanned; i < have; i++) {
            char c = in[i];
            if (in_string) {
                if (escaped) escaped = 0; else if (c == '\\') escaped = 1; else if (c == '"') in_string = 0;
                continue;
            }
            if (c == '"') { in_string = 1; continue; }
            if (c == '{') { depth++; continue; }
            if (c != '}' || --depth != 0) continue;
            char saved = in[i + 1];
            in[i + 1] = 0;
            const char *id = strstr(in + start, "\"id\"");
            char idbuf[256] = "";
            if (id) {
                const char *q = strchr(id + 4, '"');
                const char *e = q ? strchr(q + 1, '"') : NULL;
                if (q && e && e - q < 250) { memcpy(idbuf, q, (size_t)(e - q + 1)); idbuf[e - q + 1] = 0; }
            }
            outlen += (size_t)sprintf(out + outlen, idbuf[0] ? "{\"return\": {}, \"id\": %s}\r\n" : "{\"return\": {}}\r\n", idbuf);
            if (outlen > sizeof out - 512) { write_all(fd, out, outlen); outlen = 0; }
            in[i + 1] = saved;
            start = i + 1;
        }
        scanned = have - start;
        if (outlen) write_all(fd, out, outlen);
        if (!negotiated && start > 0) { negotiated = 1; if (flood_count > 0) flood(fd, flood_count); }
        memmove(in, in + start, have - start); have -= start;
    }
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: peer SOCKET_PATH\n"); return 2; }
    signal(SIGCHLD, SIG_IGN); signal(SIGPIPE, SIG_IGN);
    long flood_count = getenv("FLOOD") ? atol(getenv("FLOOD")) : 0;
    int ls = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    strncpy(a.sun_path, argv[1], sizeof a.sun_path - 1);
    unlink(argv[1]);
    if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 1024)) { perror("peer"); return 1; }
    for (;;) {
        int fd = accept(ls, NULL, NULL);
        if (fd < 0) continue;
        if (fork() == 0) { close(ls); serve(fd, flood_count); _exit(0); }
        close(fd);
    }
}
