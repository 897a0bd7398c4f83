// Starting a child process that cannot outlive this one, for the tools
// (`qmp-shell --launch` starts a QEMU). Not part of the library.
#ifndef CQMPSPAWN_H
#define CQMPSPAWN_H

#include <sys/types.h>

/// Starts `path` with `argv` and `envp` (both NULL-terminated; a NULL `envp` passes
/// this process's environment), with `stdin_fd`, `stdout_fd` and `stderr_fd` as
/// its standard streams (-1 keeps ours), all signals unblocked and at their
/// default dispositions, and no other descriptor of ours.
///
/// The child gets SIGKILL when this process dies, however it dies (SIGKILL
/// included): PR_SET_PDEATHSIG, set in the child before exec. Linux sends that
/// signal when the *thread* that forked exits, and Swift's pool threads come and
/// go, so every child is forked by one thread started for that purpose, which
/// never exits. The call waits for the fork, not for the child.
///
/// Returns the child's pid, or -errno when the fork failed. A failed exec shows
/// as the child exiting with status 127.
pid_t cqmp_spawn_tied_to_process(
    const char *path, char *const argv[], char *const envp[], int stdin_fd, int stdout_fd, int stderr_fd);

#endif
