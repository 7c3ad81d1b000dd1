#ifndef C_TASKLOOP_SHIMS_H
#define C_TASKLOOP_SHIMS_H

#if defined(__linux__)
#include <sys/prctl.h>
#include <signal.h>

/// Asks the kernel to send `signal` to this process when its parent dies
/// (`prctl(PR_SET_PDEATHSIG)`, which Swift cannot call: it is variadic).
static inline int taskloop_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, signal);
}
#else
static inline int taskloop_set_parent_death_signal(int signal) { (void)signal; return 0; }
#endif

#endif
