//! File objects (`file_…`): uploaded document and selfie images, stored in the database
//! with the session they belong to, their contents sealed under the session's data key.
//! Redaction deletes their contents (and destroys the key), and so does replacing an upload.
//! Uploads that were never part of a submission are erased when their attempt ends or, at
//! the latest, once older than the upload retention.

use crate::db::sql;
use crate::sealing::Kind;
use crate::{Result, Store, Tx};

/// A stored file without its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord {
    pub id: String,
    pub livemode: bool,
    pub created: i64,
    pub purpose: String,
    /// `jpg`, `png` or `webp`.
    pub file_type: String,
    pub size: i64,
    pub verification_session: String,
}

impl Store {
    pub async fn file(
        &self,
        livemode: bool,
        id: &str,
    ) -> Result<Option<(FileRecord, Option<Vec<u8>>)>> {
        let row = sql(
            "SELECT id, livemode, created, purpose, type, size, verification_session, contents \
             FROM files WHERE id = ? AND livemode = ?",
        )
        .bind(id)
        .bind(livemode)
        .fetch_optional(self.reader())
        .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        let contents = match r.get::<Option<Vec<u8>>>("contents") {
            Some(sealed) => Some(self.open(Kind::File, &sealed).await?),
            None => None,
        };
        Ok(Some((
            FileRecord {
                id: r.get("id"),
                livemode: r.get("livemode"),
                created: r.get("created"),
                purpose: r.get("purpose"),
                file_type: r.get("type"),
                size: r.get("size"),
                verification_session: r.get("verification_session"),
            },
            contents,
        )))
    }
}

impl Store {
    /// Erases the contents of uploads created before `created_before` (seconds) that no
    /// submission used. Returns how many.
    pub async fn erase_unsubmitted_uploads(&self, created_before: i64) -> Result<u64> {
        self.retrying(move || async move {
            let mut tx = self.begin().await?;
            let done = sql(
                "UPDATE files SET contents = NULL WHERE submitted = FALSE AND created < ? \
                 AND contents IS NOT NULL",
            )
            .bind(created_before)
            .execute(tx.conn())
            .await?;
            tx.commit().await?;
            Ok(done)
        })
        .await
    }
}

impl Tx {
    pub async fn insert_file(&mut self, file: &FileRecord, contents: &[u8]) -> Result<()> {
        let sealed = self
            .seal(&file.verification_session, Kind::File, contents)
            .await?;
        sql(
            "INSERT INTO files (id, livemode, created, purpose, type, size, verification_session, \
             contents) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(file.id.as_str())
        .bind(file.livemode)
        .bind(file.created)
        .bind(file.purpose.as_str())
        .bind(file.file_type.as_str())
        .bind(file.size)
        .bind(file.verification_session.as_str())
        .bind(sealed.as_slice())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Erases the contents of one file of a session (an upload the end user replaced): the
    /// File object stays, its bytes are gone. Returns whether there were any.
    pub async fn erase_file_contents(
        &mut self,
        livemode: bool,
        session_id: &str,
        id: &str,
    ) -> Result<bool> {
        let done = sql(
            "UPDATE files SET contents = NULL WHERE livemode = ? AND verification_session = ? \
             AND id = ? AND contents IS NOT NULL",
        )
        .bind(livemode)
        .bind(session_id)
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(done > 0)
    }

    /// Marks files as part of a submission: they are kept (until redaction) from now on.
    pub async fn mark_files_submitted(
        &mut self,
        livemode: bool,
        session_id: &str,
        ids: &[&str],
    ) -> Result<()> {
        for id in ids {
            sql("UPDATE files SET submitted = TRUE WHERE livemode = ? AND verification_session = ? \
                 AND id = ?")
            .bind(livemode)
            .bind(session_id)
            .bind(*id)
            .execute(self.conn())
            .await?;
        }
        Ok(())
    }

    /// Erases the contents of a session's uploads that no submission used (their attempt
    /// ended). Returns how many.
    pub async fn erase_unsubmitted_files_of_session(
        &mut self,
        livemode: bool,
        session_id: &str,
    ) -> Result<u64> {
        sql(
            "UPDATE files SET contents = NULL WHERE livemode = ? AND verification_session = ? \
             AND submitted = FALSE AND contents IS NOT NULL",
        )
        .bind(livemode)
        .bind(session_id)
        .execute(self.conn())
        .await
    }

    /// Erases the contents of every file of a session (redaction). Returns how many.
    pub async fn erase_files_of_session(
        &mut self,
        livemode: bool,
        session_id: &str,
    ) -> Result<u64> {
        let done = sql(
            "UPDATE files SET contents = NULL WHERE livemode = ? AND verification_session = ? \
             AND contents IS NOT NULL",
        )
        .bind(livemode)
        .bind(session_id)
        .execute(self.conn())
        .await?;
        Ok(done)
    }
}
