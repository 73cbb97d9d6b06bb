import NIOCore

/// A task executor that runs jobs on one event loop: the preferred executor of the task that
/// answers a publish taken by an ``EventsInterceptor``.
///
/// A task on Swift's global pool would cross threads four times per publish: the loop hands the
/// request to a pool thread, which hands the script to the Redis thread, which resumes the task on a
/// pool thread again, which hands the response back to the loop. On a busy node each crossing is a
/// wake-up and a context switch. On its connection's loop a publish crosses twice (to the Redis
/// thread and back). What runs there never waits synchronously, which is what a loop needs (the
/// ``ChorusHooks/onPublish`` hook is async code, which must not block anywhere).
final class LoopTaskExecutor: TaskExecutor {
    /// The loop every job runs on.
    let loop: any EventLoop

    init(_ loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
