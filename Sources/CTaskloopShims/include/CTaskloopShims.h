#ifndef C_TASKLOOP_SHIMS_H
#define C_TASKLOOP_SHIMS_H

#if defined(__linux__)
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/statfs.h>
#include <stdint.h>
#include <unistd.h>
// No <sys/resource.h> or <sys/types.h> here: with _GNU_SOURCE they define
// `fd_set` and `__rusage_who` unlike Glibc's Swift module, and a clean build
// then fails on the two definitions. Limits cross as plain integers.

/// Asks the kernel to send `signal` to this process when its parent dies
/// (`prctl(PR_SET_PDEATHSIG)`, which Swift cannot call: it is variadic).
static inline int taskloop_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, signal);
}

/// A pipe whose two ends are close-on-exec from the start (`pipe2`, which
/// Glibc's Swift module does not export).
static inline int taskloop_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

/// Whether `signal` is ignored, as `nohup` leaves SIGHUP for the command it
/// starts; the disposition is read, not changed (Swift cannot compare the
/// handler `signal` returns with `SIG_IGN`).
static inline int taskloop_signal_is_ignored(int signal) {
    struct sigaction current;
    if (sigaction(signal, NULL, &current) != 0) return 0;
    return !(current.sa_flags & SA_SIGINFO) && current.sa_handler == SIG_IGN;
}

/// Names the calling thread for `top -H`, `ps -L` and `perf` (at most 15
/// bytes are kept); `prctl` is variadic, which Swift cannot call.
static inline void taskloop_name_this_thread(const char *name) {
    prctl(PR_SET_NAME, (unsigned long)name, 0UL, 0UL, 0UL);
}

/// The magic number of the file system `fd` is on (`f_type` of `fstatfs`,
/// which Glibc's Swift module does not export); 0 with errno on failure.
static inline uint32_t taskloop_file_system_type(int fd) {
    struct statfs info;
    return fstatfs(fd, &info) == 0 ? (uint32_t)info.f_type : 0;
}

/// How many bytes wait to be read from the pipe `fd` (`ioctl(FIONREAD)`,
/// which Swift cannot call: it is variadic), or -1 on error.
static inline int taskloop_pipe_bytes_waiting(int fd) {
    int count = 0;
    return ioctl(fd, FIONREAD, &count) == 0 ? count : -1;
}

/// The process's environment (`environ`, which Swift 6 cannot read: it is
/// shared mutable state). Read it only while nothing sets variables.
char *const *taskloop_environment(void);

/// The open-file limit (RLIMIT_NOFILE): get and set, soft and hard; 0, or
/// -1 with errno, as getrlimit and setrlimit.
int taskloop_get_file_limit(uint64_t *soft, uint64_t *hard);
int taskloop_set_file_limit(uint64_t soft, uint64_t hard);

/// Makes reads of `fd` return EAGAIN instead of waiting; 0, or -1 with errno.
static inline int taskloop_set_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL);
    return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/// An epoll instance that reports descriptors (pidfds, pipes' read ends)
/// becoming readable, under a token, once per arming
/// (`taskloop_watch_*`); -1 on error.
int taskloop_watch_create(void);
/// Adds `fd`, armed (one-shot: once reported, it stays in the set,
/// disabled, until rearmed or closed); 0, or -1 with errno.
int taskloop_watch_add(int epoll_fd, int fd, uint64_t token);
/// Arms `fd` again, after it was reported; 0, or -1 with errno.
int taskloop_watch_rearm(int epoll_fd, int fd, uint64_t token);
/// Waits for at least one descriptor; fills `tokens` (up to `capacity`)
/// and returns how many, or -1 with errno (EINTR).
int taskloop_watch_wait(int epoll_fd, uint64_t *tokens, int capacity);

/// What `taskloop_spawn` starts, and how.
typedef struct {
    /// The executable's path (no PATH search).
    const char *path;
    /// NULL-terminated argument and environment vectors.
    char *const *argv;
    char *const *envp;
    /// The folder the child starts in; NULL keeps the current one.
    const char *directory;
    /// The child's stdin, stdout and stderr; -1 for stdin means /dev/null.
    int stdin_fd;
    int stdout_fd;
    int stderr_fd;
    /// When not -1, the child writes its pid (4 bytes) here before it
    /// executes anything: the guardian's socket.
    int register_fd;
    /// Non-zero: the child leads a new process group (its pgid is its pid).
    int new_process_group;
    /// Non-zero: the child's RLIMIT_NOFILE is set to these before exec (the
    /// limit Taskloop itself was started with, not the one it raised).
    int set_file_limit;
    uint64_t file_limit_soft;
    uint64_t file_limit_hard;
} taskloop_spawn_options;

/// Which step of starting a child failed (`failed_stage` of `taskloop_spawn`).
enum {
    TASKLOOP_SPAWN_STAGE_START = 0,
    TASKLOOP_SPAWN_STAGE_PROCESS_GROUP = 1,
    TASKLOOP_SPAWN_STAGE_DESCRIPTORS = 2,
    TASKLOOP_SPAWN_STAGE_DIRECTORY = 3,
    TASKLOOP_SPAWN_STAGE_EXECUTE = 4,
};

/// Starts a child process; returns 0, or an errno value with the stage that
/// failed in `failed_stage`. On success `pid` and `pidfd` (a close-on-exec
/// pidfd, readable once the child has exited) are set; the caller must reap
/// the child with `taskloop_reap`. On failure nothing is left behind.
int taskloop_spawn(const taskloop_spawn_options *options, pid_t *pid, int *pidfd, int *failed_stage);

/// Reaps the child of `pidfd` if it has exited: returns 1 with `exited`
/// (1: exited with `code`; 0: killed by signal `code`) when it was reaped,
/// 0 when it is still running, -1 (errno set) on error. Never blocks.
int taskloop_reap(int pidfd, int *exited, int *code);

/// Starts the run's guardian: a small process that learns the process group
/// of every child Taskloop starts (each child writes its pid to the socket
/// before it executes anything; Taskloop writes minus the pid once the group
/// has ended) and, when the socket reaches end-of-file because Taskloop has
/// exited or died, however it died, sends SIGKILL to every group still
/// known. Returns 0 with the socket's write end (close-on-exec, non-blocking)
/// in `write_fd`, or an errno value.
int taskloop_guardian_start(pid_t *pid, int *pidfd, int *write_fd);

/// Tells the guardian that `group` has ended (never blocks).
void taskloop_guardian_forget(int write_fd, pid_t group);

/// Limits glibc's malloc to `count` heaps (`mallopt(M_ARENA_MAX)`, which
/// lives in <malloc.h>, outside Glibc's Swift module). 1 on success.
int taskloop_limit_malloc_arenas(int count);
#else
static inline int taskloop_limit_malloc_arenas(int count) { (void)count; return 0; }
static inline int taskloop_set_parent_death_signal(int signal) { (void)signal; return 0; }
#endif

#endif
