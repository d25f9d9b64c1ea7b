//! Running live checks: reading a submission's images through the vision layer on a
//! bounded CPU pool, each within its time budget, outside every database transaction;
//! then the live engine's decision, and the external ID-number verifier when one is
//! configured. Also the quick reading of an upload that lets the hosted page ask for a
//! retake. A read that errs, panics or runs out of time becomes a failed read, which the
//! engine turns into `*_unverified_other` with a reason — never a pass.

use crate::cpu_pool::{CpuPool, PoolError};
use crate::external_verifier::{ExternalVerifier, ExternalVerifierConfig};
use axum::body::Bytes;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{Duration, Instant};
use verifyd_checks::feedback::{self, FeedbackLimits, Retake};
use verifyd_checks::observation::{Side, Vision, Wanted};
use verifyd_checks::selfie::SelfieLimits;
use verifyd_checks::{
    CheckEngine, CheckResult, LiveEngine, LivePolicy, Observed, ReadFailure, Reading,
    UnconfiguredLiveEngine,
};
use verifyd_core::clock::Clock;
use verifyd_core::session::{Date, DocumentType, SessionType, VerificationSession};
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
    /// Fails a check whose decision crashed.
    crashed: UnconfiguredLiveEngine,
    /// Fails a check that was interrupted too many times.
    gave_up: UnconfiguredLiveEngine,
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
            crashed: UnconfiguredLiveEngine::new(Some(
                "The submission could not be checked because the check failed unexpectedly."
                    .to_owned(),
            )),
            gave_up: UnconfiguredLiveEngine::new(Some(
                "The submission could not be checked: its check was interrupted too many times."
                    .to_owned(),
            )),
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

    /// The longest a submission's checks may take: every image is read (concurrently)
    /// within the document budget after waiting at most as long for a thread, then the
    /// closer looks the decision asks for (concurrently, the same way), then the external
    /// verifier answers.
    pub fn longest_run(&self) -> Duration {
        CpuPool::longest_call(self.document_budget) * 2 + self.external_timeout()
    }

    fn external_timeout(&self) -> Duration {
        self.external
            .as_ref()
            .map_or(Duration::ZERO, |e| e.timeout())
    }

    /// Checks a `processing` session's submission in live mode. `clock` dates the
    /// decision (today) and the external verifier's request (when it is sent).
    pub async fn run(
        &self,
        store: &Store,
        session: &VerificationSession,
        clock: &dyn Clock,
    ) -> Result<CheckResult, StoreError> {
        let submission = session.submitted.clone().unwrap_or_default();
        let plan = LiveEngine::reading_plan(session, &submission);
        let vision = match &self.vision {
            Some(vision) => vision.clone(),
            // Without the models nothing can be read, but an ID-number session reads no
            // image: only sessions that need an image fail for it.
            None if session.session_type != SessionType::IdNumber => {
                return Ok(self.unconfigured.check(session, &submission))
            }
            None => Arc::new(NoImages) as Arc<dyn Vision>,
        };
        let vision = &vision;
        let wanted = |side: Side| plan.iter().find(|(s, _)| *s == side).map(|(_, w)| *w);
        // The images are read at the same time, on the pool's threads.
        let (front, back, selfie) = tokio::join!(
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
            self.read_side(
                store,
                session,
                vision,
                submission.selfie.as_deref(),
                wanted(Side::Selfie)
            ),
        );
        let mut observed = Observed {
            front: front?,
            back: back?,
            selfie: selfie?,
            closer_looked: false,
        };
        let today = clock.today_utc();
        // The decision parses what the images said: a bug there must fail this check, not
        // the worker (which would leave the session in `processing`).
        let decide = |observed: &Observed| {
            catch_unwind(AssertUnwindSafe(|| {
                self.engine.decide(session, &submission, observed, today)
            }))
        };
        let Ok(mut decision) = decide(&observed) else {
            tracing::error!(session = %session.id, "the live decision failed unexpectedly (panic)");
            return Ok(self.crashed.check(session, &submission));
        };
        if !decision.closer_look.is_empty() {
            // One round of closer looks at the sides the engine names (at most the front
            // and the back, read at the same time, each within the document budget), then
            // the decision again with what they add.
            let file_of = |side: Side| match side {
                Side::Front => submission.document_front.as_deref(),
                Side::Back => submission.document_back.as_deref(),
                Side::Selfie => submission.selfie.as_deref(),
            };
            let mut looks = std::mem::take(&mut decision.closer_look).into_iter();
            let look = |wanted: Option<(Side, Wanted)>| async move {
                let Some((side, wanted)) = wanted else {
                    return Ok(None);
                };
                let reading = self
                    .read_side(store, session, vision, file_of(side), Some(wanted))
                    .await?;
                Ok::<_, StoreError>(reading.map(|reading| (side, reading)))
            };
            let (first, second) = tokio::join!(look(looks.next()), look(looks.next()));
            for (side, reading) in [first?, second?].into_iter().flatten() {
                observed.add_closer_look(side, reading);
            }
            observed.closer_looked = true;
            let Ok(again) = decide(&observed) else {
                tracing::error!(session = %session.id, "the live decision failed unexpectedly (panic)");
                return Ok(self.crashed.check(session, &submission));
            };
            decision = again;
        }
        if let (Some(claim), Some(external)) = (&decision.external_claim, &self.external) {
            let answer = external
                .verify(
                    claim,
                    session.livemode,
                    session.id.as_str(),
                    clock.now_seconds(),
                )
                .await;
            let applied = catch_unwind(AssertUnwindSafe(|| {
                self.engine.apply_external(session, &mut decision, &answer)
            }));
            if applied.is_err() {
                tracing::error!(session = %session.id, "applying the ID verifier's answer failed unexpectedly (panic)");
                return Ok(self.crashed.check(session, &submission));
            }
        }
        Ok(decision.result)
    }

    /// The result of a submission whose check could not be completed (it was interrupted
    /// too often): `*_unverified_other`, never a pass.
    pub fn gave_up(&self, session: &VerificationSession) -> CheckResult {
        let submission = session.submitted.clone().unwrap_or_default();
        self.gave_up.check(session, &submission)
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
                Bytes::from(bytes),
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
        bytes: Bytes,
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
        bytes: Bytes,
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
                faces: false,
                closer_look: false,
            },
            (Side::Selfie, _) => Wanted {
                faces: true,
                ..Wanted::default()
            },
        };
        let reading = self
            .read(&self.upload_pool, vision, bytes, wanted, self.upload_budget)
            .await;
        // The feedback parses what was read (barcode, MRZ): a fault there must cost the
        // user a retake prompt, not the request.
        catch_unwind(AssertUnwindSafe(|| match side {
            Side::Selfie => feedback::selfie_feedback(&reading, &SelfieLimits::default()),
            _ => feedback::feedback(&reading, side, document, &self.feedback_limits, today),
        }))
        .unwrap_or(None)
    }
}

/// The reader of a process without models, for sessions that read no image (an ID-number
/// session's plan is empty, so it is never called).
struct NoImages;

impl Vision for NoImages {
    fn observe(
        &self,
        _image: &[u8],
        _wanted: Wanted,
        _deadline: Instant,
    ) -> Result<
        verifyd_checks::observation::ImageObservation,
        verifyd_checks::observation::VisionError,
    > {
        Err(verifyd_checks::observation::VisionError::Unavailable(
            "no models are installed".to_owned(),
        ))
    }
}
