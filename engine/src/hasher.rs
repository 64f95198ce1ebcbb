//! Password hashing on its own small pool (docs/security.md#login-throttling). An Argon2
//! check takes 19 MiB and tens of milliseconds; run on tokio's blocking pool (512 threads,
//! shared with the DNS look-ups of deliveries) a sign-in flood would take gigabytes and
//! stall delivery. Here at most `threads` hashes run at once, on dedicated threads, with
//! at most `queue` waiting; beyond that a request is refused at once ([`Busy`]) instead of
//! queueing without bound. Each thread owns one Argon2 working memory (`passwords`).
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
}

impl Hasher {
    pub fn start(threads: usize, queue: usize) -> Hasher {
        let (tx, rx) = sync_channel::<Work>(queue);
        let rx = Arc::new(Mutex::new(rx));
        for n in 0..threads.max(1) {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("herald-hash-{n}"))
                .spawn(move || run(&rx))
                .expect("a hashing thread starts");
        }
        Hasher { tx }
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
        match self.tx.try_send(work) {
            Ok(()) => answer.await.map_err(|_| Busy),
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => Err(Busy),
        }
    }
}

fn run(rx: &Mutex<Receiver<Work>>) {
    let mut memory = Memory::default();
    loop {
        let next = rx.lock().unwrap_or_else(|p| p.into_inner()).recv();
        match next {
            Ok(work) => work(&mut memory),
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
}
