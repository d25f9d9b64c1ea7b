//! A bounded pool of OS threads for CPU-heavy work (image decoding, barcode and MRZ
//! reading, OCR), so that it never runs on the async runtime's threads and never makes the
//! API wait. The threads run at a lower scheduling priority (a positive nice value) so that
//! request handling wins the CPU when both want it.
//!
//! [`CpuPool::run`] gives the work a time budget that starts when a thread picks it up,
//! and bounds the wait for a thread by the same budget: work that has not started within
//! it ends as [`PoolError::TimedOut`] and is dropped unrun, so a call never takes longer
//! than [`CpuPool::longest_call`]. Work that panics ends as [`PoolError::Panicked`]; work
//! that outlives its budget (plus a short grace period for cooperative deadlines) ends as
//! [`PoolError::TimedOut`] for the caller — its thread is then lost to the pool until the
//! work returns, which is why every reader also checks the deadline it is given.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

type Task = Box<dyn FnOnce() + Send + 'static>;

/// Extra time a piece of work gets past its deadline to notice it and return.
pub const GRACE: Duration = Duration::from_millis(500);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    #[error("the work did not finish within its time budget")]
    TimedOut,
    #[error("the work failed unexpectedly (panic)")]
    Panicked,
    #[error("the pool is shut down")]
    Closed,
}

/// A fixed set of worker threads fed by a bounded queue.
#[derive(Clone)]
pub struct CpuPool {
    queue: mpsc::Sender<Task>,
    threads: usize,
}

impl std::fmt::Debug for CpuPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CpuPool")
            .field("threads", &self.threads)
            .finish()
    }
}

impl CpuPool {
    /// Starts `threads` threads named `verifyd-{name}-N`. At most `threads × 4` tasks wait
    /// in the queue; further callers wait (asynchronously) for room.
    pub fn new(name: &str, threads: usize) -> Self {
        let threads = threads.max(1);
        let (queue, receiver) = mpsc::channel::<Task>(threads * 4);
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..threads {
            let receiver = receiver.clone();
            std::thread::Builder::new()
                .name(format!("verifyd-{name}-{n}"))
                .spawn(move || {
                    lower_priority();
                    loop {
                        // One thread waits on the queue at a time; the others wait for the lock.
                        let task = match receiver.lock() {
                            Ok(mut queue) => queue.blocking_recv(),
                            Err(_) => None,
                        };
                        match task {
                            Some(task) => task(),
                            None => return,
                        }
                    }
                })
                .expect("spawning a CPU pool thread");
        }
        Self { queue, threads }
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    /// The longest [`CpuPool::run`] with `budget` can take: waiting for a thread, then
    /// running.
    pub fn longest_call(budget: Duration) -> Duration {
        2 * (budget + GRACE)
    }

    /// Runs `work` on a pool thread with `budget`, counted from when it starts. `work` is
    /// handed its deadline and should return soon after it passes. Work that has not
    /// started within `budget` (every thread busy) is dropped unrun, as timed out.
    pub async fn run<T, F>(&self, budget: Duration, work: F) -> Result<T, PoolError>
    where
        T: Send + 'static,
        F: FnOnce(Instant) -> T + Send + 'static,
    {
        let (started_tx, started_rx) = oneshot::channel::<Instant>();
        let (done_tx, done_rx) = oneshot::channel::<Result<T, PoolError>>();
        let task: Task = Box::new(move || {
            let start = Instant::now();
            if started_tx.send(start).is_err() {
                // The caller stopped waiting for a thread: nobody wants the result.
                return;
            }
            let outcome = catch_unwind(AssertUnwindSafe(|| work(start + budget)))
                .map_err(|_| PoolError::Panicked);
            let _ = done_tx.send(outcome);
        });
        let wait_limit = Instant::now() + budget + GRACE;
        let started = tokio::time::timeout_at(wait_limit.into(), async {
            self.queue.send(task).await.map_err(|_| PoolError::Closed)?;
            started_rx.await.map_err(|_| PoolError::Closed)
        })
        .await;
        let start = match started {
            Ok(start) => start?,
            Err(_) => return Err(PoolError::TimedOut),
        };
        let hard_limit = start + budget + GRACE;
        match tokio::time::timeout_at(hard_limit.into(), done_rx).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => Err(PoolError::Closed),
            Err(_) => Err(PoolError::TimedOut),
        }
    }
}

/// Gives the current thread a positive nice value, so request handling preempts it.
/// Best effort: a platform that refuses keeps the normal priority.
fn lower_priority() {
    use thread_priority::{set_current_thread_priority, ThreadPriority, ThreadPriorityValue};
    // thread-priority maps its 0..=99 scale onto nice 19..=-20 under normal scheduling
    // (truncating): 22 is nice 10 (a test checks it).
    if let Ok(value) = ThreadPriorityValue::try_from(22u8) {
        let _ = set_current_thread_priority(ThreadPriority::Crossplatform(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_runs_off_the_runtime_and_returns_its_value() {
        let pool = CpuPool::new("test", 2);
        let name = pool
            .run(Duration::from_secs(5), |_| {
                std::thread::current().name().unwrap_or("").to_owned()
            })
            .await
            .unwrap();
        assert!(name.starts_with("verifyd-test-"), "{name}");
    }

    #[tokio::test]
    async fn a_panic_is_an_error_and_the_thread_keeps_serving() {
        let pool = CpuPool::new("test", 1);
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let outcome = pool
            .run(Duration::from_secs(5), |_| -> u32 { panic!("boom") })
            .await;
        std::panic::set_hook(hook);
        assert_eq!(outcome, Err(PoolError::Panicked));
        assert_eq!(pool.run(Duration::from_secs(5), |_| 7).await, Ok(7));
    }

    #[tokio::test]
    async fn work_that_ignores_its_deadline_times_out() {
        let pool = CpuPool::new("test", 1);
        let started = Instant::now();
        let outcome = pool
            .run(Duration::from_millis(100), |_| {
                std::thread::sleep(Duration::from_secs(2));
            })
            .await;
        assert_eq!(outcome, Err(PoolError::TimedOut));
        assert!(started.elapsed() < Duration::from_millis(1500));
    }

    #[tokio::test]
    async fn the_budget_starts_when_a_thread_picks_the_work_up() {
        let pool = CpuPool::new("test", 1);
        let busy = pool.run(Duration::from_secs(5), |_| {
            std::thread::sleep(Duration::from_millis(700))
        });
        let queued = pool.run(Duration::from_millis(400), |deadline| {
            deadline > Instant::now() + Duration::from_millis(300)
        });
        let (busy, queued) = tokio::join!(busy, queued);
        assert_eq!(busy, Ok(()));
        assert_eq!(queued, Ok(true), "queue time must not eat the budget");
    }

    #[tokio::test]
    async fn work_that_waits_longer_than_its_budget_for_a_thread_is_dropped_unrun() {
        let pool = CpuPool::new("test", 1);
        let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let busy = pool.run(Duration::from_secs(5), |_| {
            std::thread::sleep(Duration::from_millis(1500))
        });
        let flag = ran.clone();
        let queued = pool.run(Duration::from_millis(100), move |_| {
            flag.store(true, std::sync::atomic::Ordering::SeqCst)
        });
        let (busy, queued) = tokio::join!(busy, queued);
        assert_eq!(busy, Ok(()));
        assert_eq!(queued, Err(PoolError::TimedOut));
        // The thread is free again: later work runs, the dropped work never did.
        assert_eq!(pool.run(Duration::from_secs(5), |_| 7).await, Ok(7));
        assert!(!ran.load(std::sync::atomic::Ordering::SeqCst));
    }

    #[test]
    fn pool_threads_run_at_a_lower_priority() {
        let pool = CpuPool::new("nice", 1);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let nice = runtime
            .block_on(pool.run(Duration::from_secs(5), |_| {
                // Field 19 of /proc/thread-self/stat is the nice value.
                let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
                let after_name = &stat[stat.rfind(')').unwrap() + 2..];
                after_name
                    .split(' ')
                    .nth(16)
                    .unwrap()
                    .parse::<i32>()
                    .unwrap()
            }))
            .unwrap();
        assert_eq!(nice, 10);
    }
}
