import CAllocCounter

/// The process's heap allocations so far, as counted by `CAllocCounter` (threads that excluded
/// themselves, such as the probe clients' event loop, are not counted).
struct AllocationCount: Sendable, Equatable {
    /// malloc, calloc, realloc and the aligned allocators.
    var allocations: Int64
    /// Bytes asked for by them.
    var bytes: Int64
    /// Heap bytes held now: usable bytes of the counted blocks not yet freed.
    var liveBytes: Int64 = 0

    /// The count now.
    static var now: AllocationCount {
        AllocationCount(allocations: CAllocCounter_allocations(), bytes: CAllocCounter_allocatedBytes(), liveBytes: CAllocCounter_liveBytes())
    }

    /// Whether the process's allocator calls reach the counter at all.
    static var isActive: Bool { CAllocCounter_isActive() }

    /// Stops counting what the calling thread allocates.
    static func excludeCurrentThread() {
        CAllocCounter_setThreadExcluded(true)
    }

    /// Writes the stack of every counted allocation to `fd` from now on (-1 stops); see
    /// `scripts/alloc-stacks.py`.
    static func trace(to fd: Int32) {
        CAllocCounter_traceTo(fd)
    }

    static func - (after: AllocationCount, before: AllocationCount) -> AllocationCount {
        AllocationCount(allocations: after.allocations - before.allocations, bytes: after.bytes - before.bytes, liveBytes: after.liveBytes - before.liveBytes)
    }
}
