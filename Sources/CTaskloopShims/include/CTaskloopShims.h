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
#include <unistd.h>

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

/// How many bytes wait to be read from the pipe `fd` (`ioctl(FIONREAD)`,
/// which Swift cannot call: it is variadic), or -1 on error.
static inline int taskloop_pipe_bytes_waiting(int fd) {
    int count = 0;
    return ioctl(fd, FIONREAD, &count) == 0 ? count : -1;
}
#else
static inline int taskloop_set_parent_death_signal(int signal) { (void)signal; return 0; }
#endif

#endif
