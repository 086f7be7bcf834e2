// Linux calls that Swift cannot reach directly (see CLinux.h).
#define _GNU_SOURCE
#include <unistd.h>
#include "CLinux.h"
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>

int zti_follow_parent(int signal, int expected_parent) {
    if (prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0, 0, 0) != 0) return 0;
    return getppid() == expected_parent;
}

int zti_spawn_close_from(posix_spawn_file_actions_t *actions, int lowest) {
    return posix_spawn_file_actions_addclosefrom_np(actions, lowest);
}

int zti_block_handled_signals(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGCHLD);
    return pthread_sigmask(SIG_BLOCK, &set, NULL);
}

int zti_return_large_blocks(void) {
    return mallopt(M_MMAP_THRESHOLD, 128 * 1024);
}

int zti_release_free_memory(void) {
    return malloc_trim(0);
}
