// The C declarations live in include/CTaskloopShims.h.
#include "CTaskloopShims.h"

#if defined(__linux__)
#include <errno.h>
#include <malloc.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif
/// CLOSE_RANGE_CLOEXEC (Linux 5.11), spelled out for older headers.
#define TASKLOOP_CLOSE_RANGE_CLOEXEC (1u << 2)

extern char **environ;

char *const *taskloop_environment(void) { return environ; }

// MARK: - Watching children and their pipes

int taskloop_watch_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

static int watch_control(int epoll_fd, int operation, int fd, uint64_t token) {
    struct epoll_event event;
    memset(&event, 0, sizeof event);
    // One-shot: once reported, the descriptor stays in the set, disabled,
    // until it is rearmed or its owner closes it (which removes it).
    // (A pipe's end, EPOLLHUP, is reported whether asked for or not.)
    event.events = EPOLLIN | EPOLLONESHOT;
    event.data.u64 = token;
    return epoll_ctl(epoll_fd, operation, fd, &event);
}

int taskloop_watch_add(int epoll_fd, int fd, uint64_t token) {
    return watch_control(epoll_fd, EPOLL_CTL_ADD, fd, token);
}

int taskloop_watch_rearm(int epoll_fd, int fd, uint64_t token) {
    return watch_control(epoll_fd, EPOLL_CTL_MOD, fd, token);
}

int taskloop_watch_wait(int epoll_fd, uint64_t *tokens, int capacity) {
    struct epoll_event events[64];
    if (capacity > 64) capacity = 64;
    int count = epoll_wait(epoll_fd, events, capacity, -1);
    for (int index = 0; index < count; index++) tokens[index] = events[index].data.u64;
    return count;
}

// MARK: - Spawning a child

/// The child's stack while it shares the parent's memory (CLONE_VM), until
/// it executes. It only makes system calls, so a little is plenty.
#define SPAWN_STACK_SIZE (16 * 1024)

struct spawn_state {
    const taskloop_spawn_options *options;
    /// Written by the child when it fails (the memory is shared until exec).
    int error;
    int stage;
};

static int fail_in_child(struct spawn_state *state, int stage) {
    state->error = errno ? errno : EINVAL;
    state->stage = stage;
    _exit(127);
}

/// Runs in the child, on its own stack, in the parent's memory (vfork-like:
/// the parent's thread waits until this executes or exits). Only system
/// calls here, no allocation, no locks. Every signal is blocked on entry.
static int spawn_child(void *argument) {
    struct spawn_state *state = argument;
    const taskloop_spawn_options *options = state->options;

    if (options->new_process_group && setpgid(0, 0) != 0) {
        return fail_in_child(state, TASKLOOP_SPAWN_STAGE_PROCESS_GROUP);
    }
    // Registered before anything runs in the group: whatever the command
    // starts later belongs to a group the guardian already knows.
    // (MSG_NOSIGNAL: a guardian that is gone must not kill the child. The
    // socket is non-blocking: should the guardian stop reading, with 50,000
    // registrations unread, a registration is lost rather than the event
    // loop blocked; the step itself still ends its group.)
    if (options->register_fd >= 0) {
        int32_t pid = (int32_t)getpid();
        ssize_t written;
        do {
            written = send(options->register_fd, &pid, sizeof pid, MSG_NOSIGNAL);
        } while (written < 0 && errno == EINTR);
    }
    // Default dispositions for every signal Taskloop handles or ignores.
    struct sigaction standard;
    memset(&standard, 0, sizeof standard);
    standard.sa_handler = SIG_DFL;
    for (int signal = 1; signal < NSIG; signal++) {
        if (signal == SIGKILL || signal == SIGSTOP) continue;
        struct sigaction current;
        if (sigaction(signal, NULL, &current) == 0 && current.sa_handler != SIG_DFL) {
            sigaction(signal, &standard, NULL);
        }
    }

    // Move sources that sit on 0, 1 or 2 out of the way first, so that no
    // dup2 below overwrites a source still to be used.
    int sources[3] = {options->stdin_fd, options->stdout_fd, options->stderr_fd};
    for (int target = 0; target < 3; target++) {
        if (sources[target] >= 0 && sources[target] < 3 && sources[target] != target) {
            int moved = fcntl(sources[target], F_DUPFD_CLOEXEC, 3);
            if (moved < 0) return fail_in_child(state, TASKLOOP_SPAWN_STAGE_DESCRIPTORS);
            for (int other = target + 1; other < 3; other++) {
                if (sources[other] == sources[target]) sources[other] = moved;
            }
            sources[target] = moved;
        }
    }
    for (int target = 0; target < 3; target++) {
        int source = sources[target];
        if (source < 0) {
            close(target);
            source = open("/dev/null", O_RDWR | O_CLOEXEC);
            if (source < 0) return fail_in_child(state, TASKLOOP_SPAWN_STAGE_DESCRIPTORS);
        }
        if (source == target) {
            if (fcntl(target, F_SETFD, 0) != 0) return fail_in_child(state, TASKLOOP_SPAWN_STAGE_DESCRIPTORS);
        } else if (dup2(source, target) < 0) {
            return fail_in_child(state, TASKLOOP_SPAWN_STAGE_DESCRIPTORS);
        }
    }
    if (options->directory != NULL && chdir(options->directory) != 0) {
        return fail_in_child(state, TASKLOOP_SPAWN_STAGE_DIRECTORY);
    }
    if (options->set_file_limit) {
        struct rlimit limit = {.rlim_cur = options->file_limit_soft, .rlim_max = options->file_limit_hard};
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    // Nothing but stdin, stdout and stderr reaches the command: a descriptor
    // some library opened without close-on-exec (a file being written, a
    // socket) would otherwise live as long as the step's processes. Marked
    // close-on-exec rather than closed: the guardian's socket is still in
    // use above. (Kernels before 5.11 lack the flag; there only Taskloop's
    // own close-on-exec descriptors are kept out.)
    syscall(SYS_close_range, 3u, ~0u, TASKLOOP_CLOSE_RANGE_CLOEXEC);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(options->path, options->argv, options->envp);
    return fail_in_child(state, TASKLOOP_SPAWN_STAGE_EXECUTE);
}

int taskloop_spawn(const taskloop_spawn_options *options, pid_t *pid, int *pidfd, int *failed_stage) {
    *failed_stage = TASKLOOP_SPAWN_STAGE_START;
    // The child's stack is a part of ours: this thread is suspended until
    // the child executes or exits (CLONE_VFORK), so nothing else uses it
    // meanwhile, as in musl's posix_spawn. (An mmap and munmap per spawn,
    // with its TLB shootdown across Taskloop's threads, cost more than the
    // rest of starting the child on its parent's side.)
    _Alignas(16) char stack[SPAWN_STACK_SIZE];

    // No signal handler may run in the child while it shares our memory.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    struct spawn_state state = {options, 0, 0};
    int descriptor = -1;
    // CLONE_PIDFD: the pidfd comes with the child, atomically. When no
    // descriptor is free, clone fails and no child exists (a pidfd_open after
    // the fact could fail and leave a child nobody watches).
    pid_t child = clone(spawn_child, stack + SPAWN_STACK_SIZE, CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD,
                        &state, &descriptor);
    int clone_error = errno;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (child < 0) return clone_error;

    if (state.error != 0) {
        // The child has exited (CLONE_VFORK resumed us); reap it now.
        siginfo_t info;
        while (waitid(P_PIDFD, (id_t)descriptor, &info, WEXITED) != 0 && errno == EINTR) {}
        close(descriptor);
        *failed_stage = state.stage;
        return state.error;
    }
    *pid = child;
    *pidfd = descriptor;
    return 0;
}

int taskloop_reap(int pidfd, int *exited, int *code) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    int result;
    do {
        result = waitid(P_PIDFD, (id_t)pidfd, &info, WEXITED | WNOHANG);
    } while (result != 0 && errno == EINTR);
    if (result != 0) return -1;
    if (info.si_pid == 0) return 0;
    *exited = info.si_code == CLD_EXITED;
    *code = info.si_status;
    return 1;
}

// MARK: - The guardian

/// Process ids go up to 2^22 on Linux (PID_MAX_LIMIT): one bit each.
#define GUARDIAN_PID_LIMIT (1 << 22)
/// How long the guardian waits after a read for more messages to gather:
/// also the most its killing of the groups can lag Taskloop's end. Even at
/// thousands of children a second, tens of messages wait meanwhile, far
/// under the 50,000 the socket holds.
#define GUARDIAN_BATCH_NAP_NANOSECONDS (5 * 1000 * 1000)

#if defined(__x86_64__) || defined(__aarch64__)
#define GUARDIAN_CAN_SHARE_MEMORY 1
#else
#define GUARDIAN_CAN_SHARE_MEMORY 0
#endif

#if GUARDIAN_CAN_SHARE_MEMORY
// The guardian may share Taskloop's memory (CLONE_VM), so it must not touch
// anything Taskloop's threads use: not errno or any other thread-local (its
// thread pointer is a zeroed block of its own), not malloc, not a lock. It
// makes system calls by hand; each returns minus the errno on failure.
__attribute__((no_stack_protector))
static long guardian_syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6) {
#if defined(__x86_64__)
    long result;
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    register long r9 __asm__("r9") = a6;
    __asm__ volatile("syscall"
                     : "=a"(result)
                     : "a"(number), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return result;
#else
    register long x8 __asm__("x8") = number;
    register long x0 __asm__("x0") = a1;
    register long x1 __asm__("x1") = a2;
    register long x2 __asm__("x2") = a3;
    register long x3 __asm__("x3") = a4;
    register long x4 __asm__("x4") = a5;
    register long x5 __asm__("x5") = a6;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory", "cc");
    return x0;
#endif
}
#else
// A copy of Taskloop's memory: libc's wrappers are safe there.
static long guardian_syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6) {
    long result = syscall(number, a1, a2, a3, a4, a5, a6);
    return result == -1 ? -errno : result;
}
#endif
#define GUARDIAN_CALL(number, ...) guardian_syscall_n(number, __VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define guardian_syscall_n(number, a1, a2, a3, a4, a5, a6, ...) \
    guardian_syscall((number), (long)(a1), (long)(a2), (long)(a3), (long)(a4), (long)(a5), (long)(a6))

__attribute__((no_stack_protector))
static void close_all_but(int keep) {
    if (keep > 0) GUARDIAN_CALL(SYS_close_range, 0u, (unsigned)keep - 1, 0u);
    if (GUARDIAN_CALL(SYS_close_range, (unsigned)keep + 1, ~0u, 0u) != 0) {
        // Kernels before 5.9: close one by one.
        struct rlimit limit;
        long highest = GUARDIAN_CALL(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &limit) == 0 && limit.rlim_cur < 1048576
                           ? (long)limit.rlim_cur
                           : 1048576;
        for (long fd = keep + 1; fd < highest; fd++) GUARDIAN_CALL(SYS_close, fd);
    }
}

/// The guardian's whole life. It starts with every signal blocked and keeps
/// them so (only SIGKILL and SIGSTOP reach it): a Ctrl-C meant for
/// Taskloop's group, or a polite signal, does nothing to it. It ends at
/// end-of-file.
__attribute__((no_stack_protector))
static int guardian_main(void *argument) {
    int input = (int)(intptr_t)argument;
    GUARDIAN_CALL(SYS_prctl, PR_SET_NAME, "taskloop-guard");
    // Its own group, out of reach of signals sent to Taskloop's group.
    GUARDIAN_CALL(SYS_setpgid, 0, 0);
    // Holding another descriptor of Taskloop's (a step's pipe, a terminal)
    // would keep it open after Taskloop is gone.
    close_all_but(input);

    long mapped = GUARDIAN_CALL(SYS_mmap, NULL, GUARDIAN_PID_LIMIT / 8, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mapped < 0 && mapped > -4096) GUARDIAN_CALL(SYS_exit_group, 1);
    uint64_t *groups = (uint64_t *)mapped;
    // The words that ever held a group: the scan at the end reads only
    // these (untouched pages of the bitmap are never faulted in).
    int32_t lowest_word = GUARDIAN_PID_LIMIT / 64, highest_word = -1;
    uint8_t buffer[4096 + sizeof(int32_t)];
    size_t pending = 0;
    while (1) {
        long count = GUARDIAN_CALL(SYS_read, input, buffer + pending, 4096);
        if (count == -EINTR) continue;
        if (count <= 0) break;
        pending += (size_t)count;
        size_t offset = 0;
        for (; offset + sizeof(int32_t) <= pending; offset += sizeof(int32_t)) {
            int32_t value;
            __builtin_memcpy(&value, buffer + offset, sizeof value);
            if (value == INT32_MIN || value == 0) continue;
            int32_t group = value < 0 ? -value : value;
            if (group >= GUARDIAN_PID_LIMIT) continue;
            int32_t word = group / 64;
            uint64_t bit = (uint64_t)1 << (group % 64);
            if (value > 0) {
                groups[word] |= bit;
                if (word < lowest_word) lowest_word = word;
                if (word > highest_word) highest_word = word;
            } else {
                groups[word] &= ~bit;
            }
        }
        for (size_t index = offset; index < pending; index++) buffer[index - offset] = buffer[index];
        pending -= offset;
        // Nothing needs the bitmap before end-of-file, and the socket keeps
        // the messages in order until they are read (a forget after its
        // registration, a reused id's registration after both). So the
        // guardian reads in batches: a short nap after each read lets the
        // messages of a burst of steps gather, and a step's start or end
        // seldom wakes it. A full read is followed at once by the next.
        if (count < 4096) {
            struct timespec nap = {.tv_sec = 0, .tv_nsec = GUARDIAN_BATCH_NAP_NANOSECONDS};
            GUARDIAN_CALL(SYS_nanosleep, &nap, NULL);
        }
    }
    for (int32_t word = lowest_word; word <= highest_word; word++) {
        if (groups[word] == 0) continue;
        for (int bit = 0; bit < 64; bit++) {
            if (groups[word] & ((uint64_t)1 << bit)) GUARDIAN_CALL(SYS_kill, -(word * 64 + bit), SIGKILL);
        }
    }
    GUARDIAN_CALL(SYS_exit_group, 0);
    return 0;
}

void taskloop_guardian_forget(int write_fd, pid_t group) {
    int32_t value = -(int32_t)group;
    ssize_t written;
    do {
        written = send(write_fd, &value, sizeof value, MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (written < 0 && errno == EINTR);
}

/// The guardian's stack, and below it the block its thread pointer points
/// at. With shared memory they are never unmapped: the guardian may outlive
/// the thread that started it, and Taskloop starts one guardian.
#define GUARDIAN_TLS_SIZE 4096

/// Whether the guardian may share Taskloop's memory: from Linux 5.16 on. In
/// earlier kernels a signal that dumps core (a crash) killed every process
/// sharing the crashed one's memory, which would take the guardian along
/// just when it is needed.
static int guardian_may_share_memory(void) {
#if GUARDIAN_CAN_SHARE_MEMORY
    struct utsname name;
    int major = 0, minor = 0;
    if (uname(&name) != 0 || sscanf(name.release, "%d.%d", &major, &minor) != 2) return 0;
    return major > 5 || (major == 5 && minor >= 16);
#else
    return 0;
#endif
}

int taskloop_guardian_start(pid_t *pid, int *pidfd, int *write_fd) {
    int fds[2];
    // A socket pair rather than a pipe: writers use MSG_NOSIGNAL, so a
    // guardian that was killed costs no SIGPIPE.
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return errno;
    shutdown(fds[0], SHUT_WR);
    shutdown(fds[1], SHUT_RD);
    size_t area_size = GUARDIAN_TLS_SIZE + SPAWN_STACK_SIZE;
    char *area = mmap(NULL, area_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (area == MAP_FAILED) {
        int error = errno;
        close(fds[0]);
        close(fds[1]);
        return error;
    }
    char *stack_top = area + area_size;
    int shares = guardian_may_share_memory();
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    int descriptor = -1;
    pid_t child;
    if (shares) {
        // A process of its own that shares Taskloop's memory (like a
        // thread, but not in Taskloop's thread group, so it outlives
        // Taskloop's death): no copy of Taskloop's page tables, and no
        // copy-on-write faults in Taskloop afterwards. On x86-64 the thread
        // pointer is the start of a zeroed block whose first word points at
        // itself, as a TCB's does.
        *(void **)area = area;
        int flags = CLONE_VM | CLONE_SETTLS | CLONE_PIDFD | SIGCHLD;
        child = clone(guardian_main, stack_top, flags, (void *)(intptr_t)fds[0], &descriptor, area);
    } else {
        // A copy of this process that runs only guardian_main: no atfork
        // handlers, no exec.
        child = clone(guardian_main, stack_top, CLONE_PIDFD | SIGCHLD, (void *)(intptr_t)fds[0], &descriptor);
    }
    int clone_error = errno;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (!shares || child < 0) munmap(area, area_size);
    close(fds[0]);
    if (child < 0) {
        close(fds[1]);
        return clone_error;
    }
    fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK);
    *pid = child;
    *pidfd = descriptor;
    *write_fd = fds[1];
    return 0;
}
int taskloop_limit_malloc_arenas(int count) {
    return mallopt(M_ARENA_MAX, count);
}

#endif

int taskloop_get_file_limit(uint64_t *soft, uint64_t *hard) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
    *soft = limit.rlim_cur;
    *hard = limit.rlim_max;
    return 0;
}

int taskloop_set_file_limit(uint64_t soft, uint64_t hard) {
    struct rlimit limit = {.rlim_cur = soft, .rlim_max = hard};
    return setrlimit(RLIMIT_NOFILE, &limit);
}
