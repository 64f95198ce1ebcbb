//! Password hashing on its own small pool (docs/security.md#login-throttling). An Argon2
//! check takes 19 MiB and tens of milliseconds; run on tokio's blocking pool (512 threads,
//! shared with the DNS look-ups of deliveries) a sign-in flood would take gigabytes and
//! stall delivery. Here at most `threads` hashes run at once, on dedicated threads, with
//! at most `queue` waiting; beyond that a request is refused at once ([`Busy`]) instead of
//! queueing without bound. Each thread owns one Argon2 working memory (`passwords`).
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::passwords::Memory;

/// Hash checks running at once.
pub const THREADS: usize = 2;
/// Hash checks waiting for a thread; more are refused.
pub const QUEUE: usize = 8;

/// The pool is full: the caller should answer "busy, try again" at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

type Work = Box<dyn FnOnce(&mut Memory) + Send>;

/// A handle to the hashing threads; they end when the last handle is dropped.
#[derive(Clone)]
pub struct Hasher {
    tx: SyncSender<Work>,
    /// Work sent and not yet taken by a thread.
    waiting: Arc<AtomicUsize>,
}

impl Hasher {
    pub fn start(threads: usize, queue: usize) -> Hasher {
        let (tx, rx) = sync_channel::<Work>(queue);
        let rx = Arc::new(Mutex::new(rx));
        let waiting = Arc::new(AtomicUsize::new(0));
        for n in 0..threads.max(1) {
            let (rx, waiting) = (rx.clone(), waiting.clone());
            std::thread::Builder::new()
                .name(format!("herald-hash-{n}"))
                .spawn(move || run(&rx, &waiting))
                .expect("a hashing thread starts");
        }
        Hasher { tx, waiting }
    }

    /// Runs `f` on a hashing thread, with that thread's Argon2 memory, and returns its
    /// result, or `Busy` at once when the queue is full.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Memory) -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let (reply, answer) = oneshot::channel();
        let work: Work = Box::new(move |memory| {
            let _ = reply.send(f(memory));
        });
        // Counted before sending, so a thread never sees its work and a zero count.
        self.waiting.fetch_add(1, Ordering::AcqRel);
        match self.tx.try_send(work) {
            Ok(()) => answer.await.map_err(|_| Busy),
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.waiting.fetch_sub(1, Ordering::AcqRel);
                Err(Busy)
            }
        }
    }
}

/// Serves work until every handle is gone. The thread keeps its Argon2 memory while work
/// is waiting (a burst of sign-ins reuses it) and gives it back before it waits idle, so
/// an idle server does not hold 19 MiB for the hash it made at start.
fn run(rx: &Mutex<Receiver<Work>>, waiting: &AtomicUsize) {
    let mut memory = Memory::default();
    loop {
        if waiting.load(Ordering::Acquire) == 0 {
            memory = Memory::default();
        }
        let next = rx.lock().unwrap_or_else(|p| p.into_inner()).recv();
        match next {
            Ok(work) => {
                let _ = waiting.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                    Some(n.saturating_sub(1))
                });
                work(&mut memory)
            }
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_queue_refuses_at_once_and_the_pool_recovers() {
        let hasher = Hasher::start(1, 2);
        // Occupy the one thread until told to go on.
        let (go, wait) = std::sync::mpsc::channel::<()>();
        let (started_tx, started) = oneshot::channel::<()>();
        hasher
            .tx
            .try_send(Box::new(move |_| {
                let _ = started_tx.send(());
                let _ = wait.recv();
            }))
            .unwrap();
        started.await.unwrap();
        // Two fit in the queue; the next is refused without waiting.
        hasher.tx.try_send(Box::new(|_| {})).unwrap();
        hasher.tx.try_send(Box::new(|_| {})).unwrap();
        assert_eq!(hasher.run(|_| 1).await, Err(Busy));
        go.send(()).unwrap();
        // Once the thread has taken from the queue there is room again.
        let answer = loop {
            match hasher.run(|_| 2).await {
                Err(Busy) => tokio::task::yield_now().await,
                done => break done,
            }
        };
        assert_eq!(answer, Ok(2));
    }

    #[tokio::test]
    async fn memory_is_kept_through_a_burst_and_given_back_when_idle() {
        let hasher = Hasher::start(1, 4);
        let hash = |m: &mut Memory| drop(crate::passwords::hash("pw", m).unwrap());
        hasher.run(hash).await.unwrap();
        // Once the thread has waited idle (nothing queued behind its work), its 19 MiB are
        // gone. A probe sent before the thread reached its wait counts as queued work and
        // finds the memory kept, so probe until one arrives after the wait.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while hasher.run(|m| m.held_blocks()).await != Ok(0) {
            assert!(
                std::time::Instant::now() < deadline,
                "the memory is never given back"
            );
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }

        // Work queued behind a hash finds the memory still there.
        let (go, wait) = std::sync::mpsc::channel::<()>();
        let (started_tx, started) = oneshot::channel::<()>();
        let first = tokio::spawn({
            let hasher = hasher.clone();
            async move {
                hasher
                    .run(move |m| {
                        hash(m);
                        let _ = started_tx.send(());
                        let _ = wait.recv();
                    })
                    .await
            }
        });
        started.await.unwrap();
        let second = tokio::spawn({
            let hasher = hasher.clone();
            async move { hasher.run(|m| m.held_blocks()).await }
        });
        // The second is queued (counted) before the first is let go.
        while hasher.waiting.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        go.send(()).unwrap();
        first.await.unwrap().unwrap();
        assert!(second.await.unwrap().unwrap() > 0);
    }
}
