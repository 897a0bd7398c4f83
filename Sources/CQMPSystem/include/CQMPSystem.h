// System interfaces Swift's Glibc module does not export (epoll, accept4), and
// the CMSG macros for SCM_RIGHTS, which Swift cannot call because they are
// macros. The header declares plain functions and includes headers exactly as
// Glibc's module does (no feature macros), so the two modules agree on every
// type; the implementations, which need _GNU_SOURCE, live in shim.c.
#ifndef CQMPSYSTEM_H
#define CQMPSYSTEM_H

#ifdef __linux__
#include <sys/epoll.h>
#include <sys/socket.h>

/// The most descriptors one cqmp_send_with_fds call attaches, and one
/// cqmp_receive_with_fds call takes (Linux allows 253).
#define CQMP_MAX_FDS 64

/// Sends `length` bytes with `count` descriptors attached (SCM_RIGHTS) and MSG_NOSIGNAL.
/// Returns what sendmsg returns; errno is left as sendmsg set it. Fails with EINVAL
/// for more than CQMP_MAX_FDS descriptors, and for descriptors with `length` 0: a
/// stream socket sends nothing for zero bytes, and the kernel would drop them silently.
long cqmp_send_with_fds(int socket, const void *bytes, unsigned long length, const int *fds, int count);

/// Receives up to `length` bytes with recvmsg and MSG_CMSG_CLOEXEC, and the descriptors
/// attached to them (SCM_RIGHTS) into `fds`, which holds `capacity` (at most
/// CQMP_MAX_FDS); `*count` says how many came. Returns what recvmsg returns; errno is
/// left as recvmsg set it. When more descriptors came than fit (in `fds`, or in the
/// control buffer: MSG_CTRUNC, the kernel drops the rest), the ones that did arrive are
/// closed, `*count` is 0 and `*truncated` is 1, so none is lost without a word.
long cqmp_receive_with_fds(int socket, void *bytes, unsigned long length, int *fds, int capacity, int *count, int *truncated);

/// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC.
int cqmp_accept_nonblocking(int socket, struct sockaddr *address, socklen_t *length);

/// A non-blocking, close-on-exec stream socket.
int cqmp_stream_socket(int family);

/// A non-blocking, close-on-exec eventfd: the epoll thread's wakeup for jobs.
int cqmp_eventfd(void);
/// Blocks until `fd` is readable (or has hung up or failed), for at most
/// `timeout_ns` nanoseconds (ppoll, EINTR retried with the time left).
/// Returns 1 when it may be read, 0 on timeout, -1 with errno on failure.
int cqmp_wait_readable(int fd, long long timeout_ns);
unsigned int cqmp_epoll_in(void);
unsigned int cqmp_epoll_out(void);
unsigned int cqmp_epoll_rdhup(void);
unsigned int cqmp_epoll_err(void);
unsigned int cqmp_epoll_hup(void);
unsigned int cqmp_epoll_et(void);
#endif

#endif
