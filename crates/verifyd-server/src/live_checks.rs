//! Running live checks: reading a submission's images through the vision layer on a
//! bounded CPU pool, each within its time budget, outside every database transaction;
//! then the live engine's decision, and the external ID-number verifier when one is
//! configured. Also the quick reading of an upload that lets the hosted page ask for a
//! retake. A read that errs, panics or runs out of time becomes a failed read, which the
//! engine turns into `*_unverified_other` with a reason — never a pass.

use crate::cpu_pool::{CpuPool, PoolError};
use crate::external_verifier::{ExternalVerifier, ExternalVerifierConfig};
use std::sync::Arc;
use std::time::Duration;
use verifyd_checks::feedback::{self, FeedbackLimits, Retake};
use verifyd_checks::observation::{Side, Vision, Wanted};
use verifyd_checks::{
    CheckEngine, CheckResult, LiveEngine, LivePolicy, Observed, ReadFailure, Reading,
    UnconfiguredLiveEngine,
};
use verifyd_core::session::{Date, DocumentType, VerificationSession};
use verifyd_store::{Store, StoreError};

/// How live checks run.
#[derive(Clone)]
pub struct LiveChecksConfig {
    /// The image reader; `None` leaves live mode unconfigured (every submission fails
    /// with `*_unverified_other`, saying why).
    pub vision: Option<Arc<dyn Vision>>,
    /// Why live checks are unavailable when `vision` is `None` (shown as the reason).
    pub unavailable_reason: Option<String>,
    pub policy: LivePolicy,
    /// Time budget of the document check's reading of one image.
    pub document_budget: Duration,
    /// Time budget of the quick reading of an upload on the hosted page.
    pub upload_budget: Duration,
    /// Threads reading images for the workers (and as many for uploads).
    pub threads: usize,
    pub external_verifier: Option<ExternalVerifierConfig>,
    pub feedback_limits: FeedbackLimits,
}

impl std::fmt::Debug for LiveChecksConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveChecksConfig")
            .field("vision", &self.vision.is_some())
            .field("policy", &self.policy)
            .field("document_budget", &self.document_budget)
            .field("upload_budget", &self.upload_budget)
            .field("threads", &self.threads)
            .field("external_verifier", &self.external_verifier)
            .finish()
    }
}

impl Default for LiveChecksConfig {
    fn default() -> Self {
        Self {
            vision: None,
            unavailable_reason: None,
            policy: LivePolicy::default(),
            document_budget: Duration::from_secs(20),
            upload_budget: Duration::from_secs(4),
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            external_verifier: None,
            feedback_limits: FeedbackLimits::default(),
        }
    }
}

pub struct LiveChecks {
    vision: Option<Arc<dyn Vision>>,
    unconfigured: UnconfiguredLiveEngine,
    engine: LiveEngine,
    document_budget: Duration,
    upload_budget: Duration,
    check_pool: CpuPool,
    upload_pool: CpuPool,
    external: Option<ExternalVerifier>,
    feedback_limits: FeedbackLimits,
}

impl LiveChecks {
    pub fn new(config: LiveChecksConfig) -> Result<Self, String> {
        let external = config
            .external_verifier
            .map(ExternalVerifier::new)
            .transpose()?;
        let mut policy = config.policy;
        policy.external_id_check_available = external.is_some();
        let threads = config.threads.max(1);
        Ok(Self {
            unconfigured: UnconfiguredLiveEngine::new(config.unavailable_reason),
            vision: config.vision,
            engine: LiveEngine::new(policy),
            document_budget: config.document_budget,
            upload_budget: config.upload_budget,
            check_pool: CpuPool::new("check", threads),
            upload_pool: CpuPool::new("upload-check", threads),
            external,
            feedback_limits: config.feedback_limits,
        })
    }

    /// How many submissions may be checked at once (one worker each).
    pub fn concurrency(&self) -> usize {
        self.check_pool.threads()
    }

    /// Whether live checks can run at all.
    pub fn configured(&self) -> bool {
        self.vision.is_some()
    }

    /// The longest a submission's checks may take: every image is read within the
    /// document budget (concurrently), then the external verifier answers.
    pub fn longest_run(&self) -> Duration {
        self.document_budget + crate::cpu_pool::GRACE + self.external_timeout()
    }

    fn external_timeout(&self) -> Duration {
        self.external
            .as_ref()
            .map_or(Duration::ZERO, |e| e.timeout())
    }

    /// Checks a `processing` session's submission in live mode.
    pub async fn run(
        &self,
        store: &Store,
        session: &VerificationSession,
        today: Date,
        now_seconds: i64,
    ) -> Result<CheckResult, StoreError> {
        let submission = session.submitted.clone().unwrap_or_default();
        let Some(vision) = &self.vision else {
            return Ok(self.unconfigured.check(session, &submission));
        };
        let plan = LiveEngine::reading_plan(session, &submission);
        let wanted = |side: Side| plan.iter().find(|(s, _)| *s == side).map(|(_, w)| *w);
        // Front and back are read at the same time, on two pool threads.
        let (front, back) = tokio::join!(
            self.read_side(
                store,
                session,
                vision,
                submission.document_front.as_deref(),
                wanted(Side::Front)
            ),
            self.read_side(
                store,
                session,
                vision,
                submission.document_back.as_deref(),
                wanted(Side::Back)
            ),
        );
        let observed = Observed {
            front: front?,
            back: back?,
        };
        let mut decision = self.engine.decide(session, &submission, &observed, today);
        if let (Some(claim), Some(external)) = (&decision.external_claim, &self.external) {
            let answer = external
                .verify(claim, session.livemode, session.id.as_str(), now_seconds)
                .await;
            self.engine.apply_external(session, &mut decision, &answer);
        }
        Ok(decision.result)
    }

    /// Reads one side's image when the plan wants it: `None` when it does not.
    async fn read_side(
        &self,
        store: &Store,
        session: &VerificationSession,
        vision: &Arc<dyn Vision>,
        file: Option<&str>,
        wanted: Option<Wanted>,
    ) -> Result<Option<Reading>, StoreError> {
        let Some(wanted) = wanted else {
            return Ok(None);
        };
        let Some(file) = file else {
            return Ok(Some(Err(ReadFailure::Missing)));
        };
        let bytes = match store.file(session.livemode, file).await? {
            Some((_, Some(bytes))) => bytes,
            _ => return Ok(Some(Err(ReadFailure::Missing))),
        };
        let reading = self
            .read(
                &self.check_pool,
                vision.clone(),
                bytes,
                wanted,
                self.document_budget,
            )
            .await;
        Ok(Some(reading))
    }

    async fn read(
        &self,
        pool: &CpuPool,
        vision: Arc<dyn Vision>,
        bytes: Vec<u8>,
        wanted: Wanted,
        budget: Duration,
    ) -> Reading {
        let outcome = pool
            .run(budget, move |deadline| {
                vision.observe(&bytes, wanted, deadline)
            })
            .await;
        match outcome {
            Ok(Ok(observation)) => Ok(observation),
            Ok(Err(error)) => Err(ReadFailure::Vision(error)),
            Err(PoolError::TimedOut) => Err(ReadFailure::TimedOut),
            Err(PoolError::Panicked) | Err(PoolError::Closed) => Err(ReadFailure::Crashed),
        }
    }

    /// The quick reading of an uploaded document image: `Some(retake)` when the user
    /// should take the photo again. Out of time or failed: `None` (the worker decides).
    pub async fn upload_feedback(
        &self,
        bytes: Vec<u8>,
        side: Side,
        document: Option<DocumentType>,
        today: Date,
    ) -> Option<Retake> {
        let vision = self.vision.clone()?;
        let wanted = match (side, document) {
            (Side::Front, Some(DocumentType::Passport)) => Wanted {
                mrz: true,
                ..Wanted::default()
            },
            (Side::Front, _) => Wanted::default(),
            (Side::Back, _) => Wanted {
                barcode: true,
                mrz: true,
                text: false,
            },
        };
        let reading = self
            .read(&self.upload_pool, vision, bytes, wanted, self.upload_budget)
            .await;
        feedback::feedback(&reading, side, document, &self.feedback_limits, today)
    }
}
