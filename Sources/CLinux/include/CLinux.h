// Linux calls that Swift cannot reach directly: prctl is variadic, and glibc declares
// posix_spawn_file_actions_addclosefrom_np only under _GNU_SOURCE.
#ifndef ZTI_CLINUX_H
#define ZTI_CLINUX_H

#include <spawn.h>

// Makes this process get `signal` when its parent exits (the second guard beside EOF on fd 3); 1 when the parent
// is still `expected_parent` afterwards (it may have exited before the call), 0 otherwise.
int zti_follow_parent(int signal, int expected_parent);

// Adds "close every descriptor from `lowest` up" to a posix_spawn file-actions list; 0 on success.
int zti_spawn_close_from(posix_spawn_file_actions_t *actions, int lowest);

// Blocks SIGTERM, SIGINT, SIGHUP and SIGCHLD in the calling thread; threads created afterwards inherit the mask, so
// the signals stay pending for the process's signal sources instead of reaching a thread that would drop them.
// 0 on success.
int zti_block_handled_signals(void);

// Large blocks (128 KiB and up) are always mapped on their own and returned to the system when freed: glibc's
// default raises that threshold after the first large free, after which freed large buffers stay in the heap for
// good. 1 on success.
int zti_return_large_blocks(void);

// Gives free heap memory back to the system (malloc_trim); 1 when some was released.
int zti_release_free_memory(void);

#endif
