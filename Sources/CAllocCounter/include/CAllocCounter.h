#ifndef C_ALLOC_COUNTER_H
#define C_ALLOC_COUNTER_H

#include <stdbool.h>
#include <stdint.h>

/// Counts heap allocations in the process that links this target, for `chorus-alloc`.
///
/// Linking it replaces malloc, calloc, realloc, free and the aligned allocators of the whole
/// process (the executable's definitions take precedence over glibc's for every shared library,
/// the Swift runtime included); each one counts, then calls glibc's own (`__libc_malloc`, …).
/// Link it into a measuring executable only, never into a library.

/// Allocations (malloc, calloc, realloc, the aligned ones) made since the start, on threads that
/// are not excluded.
int64_t CAllocCounter_allocations(void);

/// Bytes asked for by those allocations.
int64_t CAllocCounter_allocatedBytes(void);

/// Frees of a non-NULL pointer since the start, on threads that are not excluded.
int64_t CAllocCounter_frees(void);

/// Usable bytes (`malloc_usable_size`) of the blocks allocated and not freed yet, counted on
/// threads that are not excluded: the heap the counted code holds. A block allocated on one kind
/// of thread and freed on the other skews it, which the measuring program avoids.
int64_t CAllocCounter_liveBytes(void);

/// Excludes (or includes again) the calling thread from the counts: the measuring program's own
/// clients run on excluded threads so that only the node's work is counted.
void CAllocCounter_setThreadExcluded(bool excluded);

/// From now on writes every counted allocation to `fd` as an `A <block> <usable bytes>` line and
/// its stack (`backtrace_symbols_fd` format) followed by a `--` line, and every free of a counted
/// block as an `F <block>` line; -1 stops. For finding where allocations come from and what stays
/// allocated, never while measuring: tracing is slow.
void CAllocCounter_traceTo(int fd);

/// Whether this process really counts: `false` if the allocator calls did not reach this
/// target (for example, a link that did not export its symbols).
bool CAllocCounter_isActive(void);

#endif
