//! The kinds of background work and their encoding in the durable job queue. A [`Work`]
//! value owns how it is written to a job row (`kind`, `subject`) and read back, so that the
//! worker's match over it is exhaustive and no other module spells a kind or a subject.

use verifyd_store::{StoreError, Tx};

/// One piece of background work about a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Work {
    /// Run the checks on a submitted session and record the result.
    ProcessSubmission { livemode: bool, session: String },
    /// Erase a redacted session's related objects, then mark it `redacted`.
    FinishRedaction { livemode: bool, session: String },
}

/// A job row that does not describe any known work.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("unknown job kind {0:?}")]
    UnknownKind(String),
    #[error("malformed job subject {0:?}")]
    BadSubject(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

const PROCESS_SUBMISSION: &str = "process_submission";
const FINISH_REDACTION: &str = "finish_redaction";

impl Work {
    pub fn process_submission(livemode: bool, session: &str) -> Self {
        Work::ProcessSubmission {
            livemode,
            session: session.to_owned(),
        }
    }

    pub fn finish_redaction(livemode: bool, session: &str) -> Self {
        Work::FinishRedaction {
            livemode,
            session: session.to_owned(),
        }
    }

    /// The `kind` column.
    pub fn kind(&self) -> &'static str {
        match self {
            Work::ProcessSubmission { .. } => PROCESS_SUBMISSION,
            Work::FinishRedaction { .. } => FINISH_REDACTION,
        }
    }

    /// The `subject` column: `test:vs_…` or `live:vs_…`.
    pub fn subject(&self) -> String {
        let (Work::ProcessSubmission { livemode, session }
        | Work::FinishRedaction { livemode, session }) = self;
        format!("{}:{session}", if *livemode { "live" } else { "test" })
    }

    /// Reads a job row back.
    pub fn decode(kind: &str, subject: &str) -> Result<Self, JobError> {
        let bad = || JobError::BadSubject(subject.to_owned());
        let (mode, session) = subject.split_once(':').ok_or_else(bad)?;
        let livemode = match mode {
            "live" => true,
            "test" => false,
            _ => return Err(bad()),
        };
        if session.is_empty() {
            return Err(bad());
        }
        let session = session.to_owned();
        match kind {
            PROCESS_SUBMISSION => Ok(Work::ProcessSubmission { livemode, session }),
            FINISH_REDACTION => Ok(Work::FinishRedaction { livemode, session }),
            other => Err(JobError::UnknownKind(other.to_owned())),
        }
    }

    /// Queues this work inside `tx`, due at `run_at_millis`.
    pub async fn enqueue(
        &self,
        tx: &mut Tx,
        run_at_millis: i64,
        now_millis: i64,
    ) -> Result<(), StoreError> {
        tx.enqueue_job(self.kind(), &self.subject(), run_at_millis, now_millis)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_round_trips_through_its_row_encoding() {
        for work in [
            Work::process_submission(true, "vs_1"),
            Work::process_submission(false, "vs_2"),
            Work::finish_redaction(true, "vs_3"),
        ] {
            assert_eq!(Work::decode(work.kind(), &work.subject()).unwrap(), work);
        }
        assert_eq!(
            Work::process_submission(true, "vs_1").subject(),
            "live:vs_1"
        );
    }

    #[test]
    fn unknown_kinds_and_malformed_subjects_are_errors() {
        assert!(matches!(
            Work::decode("send_fax", "live:vs_1"),
            Err(JobError::UnknownKind(_))
        ));
        for subject in ["vs_1", "prod:vs_1", "live:"] {
            assert!(matches!(
                Work::decode(PROCESS_SUBMISSION, subject),
                Err(JobError::BadSubject(_))
            ));
        }
    }
}
