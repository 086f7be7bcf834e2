// Linux calls that Swift cannot reach directly: prctl is variadic, and glibc declares
// posix_spawn_file_actions_addclosefrom_np only under _GNU_SOURCE.
#ifndef ZTI_CLINUX_H
#define ZTI_CLINUX_H

#include <spawn.h>

// The signal this process gets when its parent exits (PR_SET_PDEATHSIG); 0 on success, -1 with errno.
int zti_set_parent_death_signal(int signal);

// Adds "close every descriptor from `lowest` up" to a posix_spawn file-actions list; 0 on success.
int zti_spawn_close_from(posix_spawn_file_actions_t *actions, int lowest);

// Blocks SIGTERM, SIGINT, SIGHUP and SIGCHLD in the calling thread; threads created afterwards inherit the mask, so
// the signals stay pending for the process's signal sources instead of reaching a thread that would drop them.
// 0 on success.
int zti_block_handled_signals(void);

#endif
