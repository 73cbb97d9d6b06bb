// Replaces the C allocator's entry points with counting ones. glibc exports its own
// implementations as __libc_malloc & co., so no dlsym (which itself allocates) is needed.
#if defined(__linux__)
#define _GNU_SOURCE
#include "CAllocCounter.h"

#include <errno.h>
#include <stdio.h>
#include <execinfo.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stddef.h>
#include <unistd.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void __libc_free(void *pointer);
extern void *__libc_memalign(size_t alignment, size_t size);

static atomic_llong allocations;
static atomic_llong allocatedBytes;
static atomic_llong frees;
// Usable bytes of the blocks allocated and not yet freed, on threads that are not excluded.
static atomic_llong liveBytes;
// Initial-exec TLS in the executable: reading it never allocates.
static _Thread_local bool excluded;
// Set while this thread writes a stack trace: what backtrace() allocates is neither counted nor traced.
static _Thread_local bool tracing;
static atomic_int traceFD = -1;
static atomic_flag traceLock = ATOMIC_FLAG_INIT;

// Writes `A <block> <usable bytes>` and the calling stack to `fd`, one trace at a time (the
// server's loops allocate concurrently).
static void traceAllocation(int fd, void *pointer) {
    tracing = true;
    char line[64];
    int length = snprintf(line, sizeof line, "A %p %zu\n", pointer, malloc_usable_size(pointer));
    void *frames[40];
    int count = backtrace(frames, 40);
    while (atomic_flag_test_and_set_explicit(&traceLock, memory_order_acquire)) {}
    ssize_t ignored = write(fd, line, (size_t)length);
    backtrace_symbols_fd(frames, count, fd);
    ignored = write(fd, "--\n", 3);
    (void)ignored;
    atomic_flag_clear_explicit(&traceLock, memory_order_release);
    tracing = false;
}

// Writes `F <block>` to `fd`: with the allocations' lines, what is still held can be told.
static void traceFree(int fd, void *pointer) {
    tracing = true;
    char line[40];
    int length = snprintf(line, sizeof line, "F %p\n", pointer);
    while (atomic_flag_test_and_set_explicit(&traceLock, memory_order_acquire)) {}
    ssize_t ignored = write(fd, line, (size_t)length);
    (void)ignored;
    atomic_flag_clear_explicit(&traceLock, memory_order_release);
    tracing = false;
}

static inline void countAllocation(size_t size) {
    if (excluded || tracing) return;
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&allocatedBytes, (long long)size, memory_order_relaxed);
}

// What a block takes from the heap, as the allocator sized it; traced when tracing.
static inline void addLive(void *pointer, int sign) {
    if (pointer == NULL || excluded || tracing) return;
    atomic_fetch_add_explicit(&liveBytes, sign * (long long)malloc_usable_size(pointer), memory_order_relaxed);
    int fd = atomic_load_explicit(&traceFD, memory_order_relaxed);
    if (fd >= 0) sign > 0 ? traceAllocation(fd, pointer) : traceFree(fd, pointer);
}

static inline void *allocated(void *pointer) {
    addLive(pointer, 1);
    return pointer;
}

void *malloc(size_t size) {
    countAllocation(size);
    return allocated(__libc_malloc(size));
}

void *calloc(size_t count, size_t size) {
    countAllocation(count * size);
    return allocated(__libc_calloc(count, size));
}

void *realloc(void *pointer, size_t size) {
    // realloc(p, 0) frees; anything else may move the block: an allocation either way.
    if (pointer != NULL && size == 0) {
        if (!excluded) atomic_fetch_add_explicit(&frees, 1, memory_order_relaxed);
    } else {
        countAllocation(size);
    }
    // The old block counts as freed and the new one as allocated, unless realloc fails (NULL for
    // a nonzero size), which leaves the old block as it was.
    addLive(pointer, -1);
    void *result = __libc_realloc(pointer, size);
    if (result == NULL && size != 0) {
        addLive(pointer, 1);
        return NULL;
    }
    return allocated(result);
}

void free(void *pointer) {
    if (pointer != NULL && !excluded) atomic_fetch_add_explicit(&frees, 1, memory_order_relaxed);
    addLive(pointer, -1);
    __libc_free(pointer);
}

void *memalign(size_t alignment, size_t size) {
    countAllocation(size);
    return allocated(__libc_memalign(alignment, size));
}

void *aligned_alloc(size_t alignment, size_t size) {
    countAllocation(size);
    return allocated(__libc_memalign(alignment, size));
}

int posix_memalign(void **result, size_t alignment, size_t size) {
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
    countAllocation(size);
    void *pointer = allocated(__libc_memalign(alignment, size));
    if (pointer == NULL) return ENOMEM;
    *result = pointer;
    return 0;
}

void *valloc(size_t size) {
    countAllocation(size);
    return allocated(__libc_memalign((size_t)sysconf(_SC_PAGESIZE), size));
}

int64_t CAllocCounter_allocations(void) { return atomic_load_explicit(&allocations, memory_order_relaxed); }
int64_t CAllocCounter_allocatedBytes(void) { return atomic_load_explicit(&allocatedBytes, memory_order_relaxed); }
int64_t CAllocCounter_frees(void) { return atomic_load_explicit(&frees, memory_order_relaxed); }
int64_t CAllocCounter_liveBytes(void) { return atomic_load_explicit(&liveBytes, memory_order_relaxed); }
void CAllocCounter_setThreadExcluded(bool value) { excluded = value; }

void CAllocCounter_traceTo(int fd) {
    if (fd >= 0) {
        // The first backtrace() loads libgcc_s (and allocates): done here, not inside a trace.
        void *frame[1];
        tracing = true;
        backtrace(frame, 1);
        tracing = false;
    }
    atomic_store_explicit(&traceFD, fd, memory_order_relaxed);
}

bool CAllocCounter_isActive(void) {
    // A malloc made from a shared library (here, libc's strdup) must reach the counter above.
    long long before = CAllocCounter_allocations();
    extern char *strdup(const char *);
    char *copy = strdup("probe");
    bool counted = CAllocCounter_allocations() > before;
    free(copy);
    return counted;
}
#else
#include "CAllocCounter.h"
// Only glibc is supported: elsewhere nothing is replaced and nothing is counted.
int64_t CAllocCounter_allocations(void) { return 0; }
int64_t CAllocCounter_allocatedBytes(void) { return 0; }
int64_t CAllocCounter_frees(void) { return 0; }
int64_t CAllocCounter_liveBytes(void) { return 0; }
void CAllocCounter_setThreadExcluded(bool value) { (void)value; }
void CAllocCounter_traceTo(int fd) { (void)fd; }
bool CAllocCounter_isActive(void) { return false; }
#endif
