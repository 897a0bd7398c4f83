/* The floor: a QMP client that does no JSON parsing at all.
 *   floor SOCKET rtt N     sequential round trips, one line out, one line back
 *   floor SOCKET flood     counts event lines until FLOOD_END (peer run with FLOOD=N)
 * Prints the rate per second. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static char buf[1 << 20]; static size_t have, pos;

static int next_line(int fd, char **line) {
    for (;;) {
        char *nl = memchr(buf + pos, '\n', have - pos);
        if (nl) { *line = buf + pos; *nl = 0; pos = (size_t)(nl - buf) + 1; return 1; }
        memmove(buf, buf + pos, have - pos); have -= pos; pos = 0;
        ssize_t r = read(fd, buf + have, sizeof buf - have);
        if (r <= 0) return 0;
        have += (size_t)r;
    }
}

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    strncpy(a.sun_path, argv[1], sizeof a.sun_path - 1);
    if (connect(fd, (struct sockaddr *)&a, sizeof a)) { perror("floor"); return 1; }
    char *line;
    next_line(fd, &line);
    const char caps[] = "{\"execute\": \"qmp_capabilities\", \"id\": \"c\"}\n";
    write(fd, caps, sizeof caps - 1);
    next_line(fd, &line);
    if (!strcmp(argv[2], "rtt")) {
        long n = atol(argv[3]);
        const char cmd[] = "{\"execute\": \"query-status\", \"id\": \"x\"}\n";
        double t = now();
        for (long i = 0; i < n; i++) { write(fd, cmd, sizeof cmd - 1); if (!next_line(fd, &line)) return 1; }
        printf("%.0f\n", n / (now() - t));
    } else {
        long count = 0; double t = now();
        while (next_line(fd, &line)) { if (strstr(line, "FLOOD_END")) break; count++; }
        printf("%.0f\n", count / (now() - t));
    }
    return 0;
}
