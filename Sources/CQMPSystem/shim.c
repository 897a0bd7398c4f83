#define _GNU_SOURCE
#include "CQMPSystem.h"

#ifdef __linux__
#include <errno.h>
#include <string.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

// Room for CQMP_MAX_FDS descriptors, in a union with struct cmsghdr as cmsg(3) shows: a
// plain char array may sit at any address, and CMSG_FIRSTHDR/CMSG_DATA would then access
// the header misaligned.
typedef union {
    char buffer[CMSG_SPACE(sizeof(int) * CQMP_MAX_FDS)];
    struct cmsghdr align;
} control_buffer;

// A message of the one buffer `iov`, with `control` (all of it) for its control data.
static struct msghdr message(struct iovec *iov, control_buffer *control) {
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control->buffer;
    msg.msg_controllen = sizeof control->buffer;
    return msg;
}

long cqmp_send_with_fds(int socket, const void *bytes, unsigned long length, const int *fds, int count) {
    struct iovec iov = { .iov_base = (void *)bytes, .iov_len = length };
    control_buffer control;
    struct msghdr msg = message(&iov, &control);
    if (count < 0 || count > CQMP_MAX_FDS) { errno = EINVAL; return -1; }
    // With no bytes a stream socket sends no message, and Linux drops the descriptors
    // yet reports success; refuse instead.
    if (count > 0 && length == 0) { errno = EINVAL; return -1; }
    if (count == 0) {
        msg.msg_control = NULL;
        msg.msg_controllen = 0;
    } else {
        memset(control.buffer, 0, sizeof control.buffer);
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * count);
        struct cmsghdr *header = CMSG_FIRSTHDR(&msg);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int) * count);
        memcpy(CMSG_DATA(header), fds, sizeof(int) * count);
    }
    return sendmsg(socket, &msg, MSG_NOSIGNAL);
}

long cqmp_receive_with_fds(int socket, void *bytes, unsigned long length, int *fds, int capacity, int *count, int *truncated) {
    struct iovec iov = { .iov_base = bytes, .iov_len = length };
    control_buffer control;
    struct msghdr msg = message(&iov, &control);
    *count = 0;
    *truncated = 0;
    if (capacity < 0 || capacity > CQMP_MAX_FDS) { errno = EINVAL; return -1; }
    long received = recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
    if (received < 0) { return received; }
    for (struct cmsghdr *header = CMSG_FIRSTHDR(&msg); header != NULL; header = CMSG_NXTHDR(&msg, header)) {
        if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) { continue; }
        int arrived = (int)((header->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int index = 0; index < arrived; index++) {
            int fd;
            memcpy(&fd, CMSG_DATA(header) + index * sizeof(int), sizeof fd);
            if (*count < capacity) {
                fds[(*count)++] = fd;
            } else {
                close(fd);
                *truncated = 1;
            }
        }
    }
    if (msg.msg_flags & MSG_CTRUNC) { *truncated = 1; }
    if (*truncated) {
        for (int index = 0; index < *count; index++) { close(fds[index]); }
        *count = 0;
    }
    return received;
}

int cqmp_accept_nonblocking(int socket, struct sockaddr *address, socklen_t *length) {
    return accept4(socket, address, length, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int cqmp_stream_socket(int family) {
    return socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

static long long monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
}

int cqmp_wait_readable(int fd, long long timeout_ns) {
    long long end = monotonic_ns() + (timeout_ns > 0 ? timeout_ns : 0);
    for (;;) {
        long long left = end - monotonic_ns();
        if (left < 0) left = 0;
        struct timespec wait = { .tv_sec = left / 1000000000LL, .tv_nsec = left % 1000000000LL };
        struct pollfd entry = { .fd = fd, .events = POLLIN | POLLRDHUP };
        int ready = ppoll(&entry, 1, &wait, NULL);
        if (ready >= 0) return ready > 0 ? 1 : 0;
        if (errno != EINTR) return -1;
    }
}

unsigned int cqmp_epoll_in(void) { return EPOLLIN; }
unsigned int cqmp_epoll_out(void) { return EPOLLOUT; }
unsigned int cqmp_epoll_rdhup(void) { return EPOLLRDHUP; }
unsigned int cqmp_epoll_err(void) { return EPOLLERR; }
unsigned int cqmp_epoll_hup(void) { return EPOLLHUP; }
unsigned int cqmp_epoll_et(void) { return EPOLLET; }
#endif

#include <sys/eventfd.h>
int cqmp_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }
