//! Limits on the hosted page's upload bodies, so that the images people send cannot
//! exhaust the server's memory: one upload at a time per session, a fixed number of
//! bodies being read across the process (the others wait a little, then get a "busy"
//! page), and a read that stalls or drags on is cut off. The upload handler checks who is
//! asking (session, binding, open attempt, CSRF token) before it takes a place
//! here, so nobody without a bound browser ever gets as far as a body being read.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How uploads are limited (`verifyd serve --max-concurrent-uploads`…).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadLimits {
    /// Upload bodies read (and held) at once in this process.
    pub concurrent: usize,
    /// How long an upload waits for a place before it is told to try again.
    pub wait: Duration,
    /// Longest pause between two pieces of a body.
    pub idle: Duration,
    /// Longest time to read a whole body.
    pub total: Duration,
}

impl Default for UploadLimits {
    fn default() -> Self {
        Self {
            concurrent: 4,
            wait: Duration::from_secs(15),
            idle: Duration::from_secs(20),
            total: Duration::from_secs(120),
        }
    }
}

/// The process's places for upload bodies and the sessions uploading now.
pub struct UploadGate {
    limits: UploadLimits,
    bodies: Arc<Semaphore>,
    sessions: Arc<Mutex<HashSet<String>>>,
}

/// A session's one upload in progress; the session is free again when it is dropped.
pub struct SessionUpload {
    sessions: Arc<Mutex<HashSet<String>>>,
    id: String,
}

impl Drop for SessionUpload {
    fn drop(&mut self) {
        lock(&self.sessions).remove(&self.id);
    }
}

/// The set of sessions uploading now. A panic elsewhere while it was held cannot leave it
/// half-changed (one insert or remove), so a poisoned lock is used as it is rather than
/// turning every later upload away.
fn lock(sessions: &Mutex<HashSet<String>>) -> std::sync::MutexGuard<'_, HashSet<String>> {
    sessions
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl UploadGate {
    pub fn new(limits: UploadLimits) -> Self {
        Self {
            bodies: Arc::new(Semaphore::new(limits.concurrent.max(1))),
            sessions: Arc::new(Mutex::new(HashSet::new())),
            limits,
        }
    }

    pub fn limits(&self) -> UploadLimits {
        self.limits
    }

    /// The session's upload slot, unless another upload of the session is in progress.
    pub fn claim_session(&self, id: &str) -> Option<SessionUpload> {
        if !lock(&self.sessions).insert(id.to_owned()) {
            return None;
        }
        Some(SessionUpload {
            sessions: self.sessions.clone(),
            id: id.to_owned(),
        })
    }

    /// A place to read one body, waiting at most `limits.wait`; `None` when the server
    /// stayed busy that long.
    pub async fn body_place(&self) -> Option<OwnedSemaphorePermit> {
        tokio::time::timeout(self.limits.wait, self.bodies.clone().acquire_owned())
            .await
            .ok()?
            .ok()
    }

    /// Places free now (for tests).
    pub fn free_places(&self) -> usize {
        self.bodies.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_uploads_one_image_at_a_time() {
        let gate = UploadGate::new(UploadLimits::default());
        let first = gate.claim_session("vs_a").expect("free");
        assert!(gate.claim_session("vs_a").is_none());
        assert!(gate.claim_session("vs_b").is_some());
        drop(first);
        assert!(gate.claim_session("vs_a").is_some());
    }

    #[tokio::test]
    async fn bodies_beyond_the_limit_wait_then_are_turned_away() {
        let gate = UploadGate::new(UploadLimits {
            concurrent: 2,
            wait: Duration::from_millis(50),
            ..UploadLimits::default()
        });
        let a = gate.body_place().await.expect("first place");
        let _b = gate.body_place().await.expect("second place");
        assert!(gate.body_place().await.is_none(), "no third place");
        drop(a);
        assert!(gate.body_place().await.is_some(), "a freed place is reused");
    }
}
