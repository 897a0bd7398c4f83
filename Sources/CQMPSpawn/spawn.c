#define _GNU_SOURCE
#include "CQMPSpawn.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <unistd.h>

extern char **environ;

struct request {
    const char *path;
    char *const *argv;
    char *const *envp;
    int fds[3];
    pid_t result;
    int done;
    struct request *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static struct request *queue;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int start_error;

static pid_t fork_and_exec(const struct request *request) {
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0) return pid < 0 ? -errno : pid;
    // The child: only async-signal-safe calls from here to exec.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) _exit(126);
    // The parent may have died before prctl took effect.
    if (getppid() != parent) _exit(126);
    for (int target = 0; target < 3; target++) {
        if (request->fds[target] >= 0 && dup2(request->fds[target], target) < 0) _exit(126);
    }
    // Nothing else of ours leaks into the child, close-on-exec or not. Best effort: the
    // system call is Linux 5.9 and later.
    close_range(3, ~0U, 0);
    // Dispositions set to SIG_IGN and the forking thread's mask would survive exec.
    for (int number = 1; number < NSIG; number++) signal(number, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(request->path, request->argv, request->envp != NULL ? request->envp : environ);
    _exit(127);
}

static void *serve(void *unused) {
    (void)unused;
    // Signals are for the process's own handlers, not this thread.
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    pthread_mutex_lock(&lock);
    for (;;) {
        while (queue == NULL) pthread_cond_wait(&changed, &lock);
        struct request *request = queue;
        queue = request->next;
        request->result = fork_and_exec(request);
        request->done = 1;
        pthread_cond_broadcast(&changed);
    }
    return NULL;
}

static void start(void) {
    pthread_t thread;
    int rc = pthread_create(&thread, NULL, serve, NULL);
    if (rc != 0) {
        start_error = rc;
        return;
    }
    pthread_detach(thread);
}

pid_t cqmp_spawn_tied_to_process(
    const char *path, char *const argv[], char *const envp[], int stdin_fd, int stdout_fd, int stderr_fd) {
    pthread_once(&once, start);
    if (start_error != 0) return -start_error;
    struct request request = {
        .path = path, .argv = argv, .envp = envp, .fds = {stdin_fd, stdout_fd, stderr_fd},
        .result = 0, .done = 0, .next = NULL,
    };
    pthread_mutex_lock(&lock);
    struct request **tail = &queue;
    while (*tail != NULL) tail = &(*tail)->next;
    *tail = &request;
    pthread_cond_broadcast(&changed);
    while (!request.done) pthread_cond_wait(&changed, &lock);
    pthread_mutex_unlock(&lock);
    return request.result;
}
