//! VerificationReport rows: the report document plus the columns lists filter on.

use crate::db::{sql, DbRow};
use crate::list::{cursor_position, into_page, push_keyset, Page, ReportQuery};
use crate::{decode, encode, Result, Store, StoreError, Tx};

fn report_of(row: &DbRow) -> Result<VerificationReport> {
    decode(row.get::<&str>("body"))
}
use verifyd_core::report::VerificationReport;

impl Store {
    pub async fn report(&self, livemode: bool, id: &str) -> Result<Option<VerificationReport>> {
        let row = sql("SELECT body FROM verification_reports WHERE id = ? AND livemode = ?")
            .bind(id)
            .bind(livemode)
            .fetch_optional(self.reader())
            .await?;
        row.as_ref().map(report_of).transpose()
    }

    /// A page of reports, newest first. `Ok(None)` when the cursor names no report.
    pub async fn list_reports(
        &self,
        query: &ReportQuery,
    ) -> Result<Option<Page<VerificationReport>>> {
        let Some(position) = cursor_position(
            self.reader(),
            "verification_reports",
            query.livemode,
            query.cursor.as_ref(),
        )
        .await?
        else {
            return Ok(None);
        };
        let mut qb = sql("SELECT body FROM verification_reports WHERE livemode = ");
        qb.push_bind(query.livemode);
        if let Some(t) = &query.report_type {
            qb.push(" AND type = ").push_bind(t.as_str());
        }
        if let Some(v) = &query.verification_session {
            qb.push(" AND verification_session = ")
                .push_bind(v.as_str());
        }
        if let Some(v) = &query.client_reference_id {
            qb.push(" AND client_reference_id = ").push_bind(v.as_str());
        }
        query.created.push(&mut qb);
        let ascending = push_keyset(&mut qb, position, query.limit);
        let rows = qb.fetch_all(self.reader()).await?;
        let items = rows.iter().map(report_of).collect::<Result<Vec<_>>>()?;
        Ok(Some(into_page(items, query.limit, ascending)))
    }
}

impl Tx {
    pub async fn report(&mut self, livemode: bool, id: &str) -> Result<Option<VerificationReport>> {
        let lock = self.backend().for_update();
        let row = sql(format!(
            "SELECT body FROM verification_reports WHERE id = ? AND livemode = ?{lock}"
        ))
        .bind(id)
        .bind(livemode)
        .fetch_optional(self.conn())
        .await?;
        row.as_ref().map(report_of).transpose()
    }

    pub async fn insert_report(&mut self, report: &VerificationReport) -> Result<()> {
        sql(
            "INSERT INTO verification_reports (id, livemode, created, type, verification_session, \
             client_reference_id, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(report.id.as_str())
        .bind(report.livemode)
        .bind(report.created)
        .bind(report.report_type.as_str())
        .bind(report.verification_session.as_ref().map(|s| s.as_str()))
        .bind(&report.client_reference_id)
        .bind(encode(report)?)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    pub async fn update_report(&mut self, report: &VerificationReport) -> Result<()> {
        let done = sql(
            "UPDATE verification_reports SET client_reference_id = ?, body = ? \
             WHERE id = ? AND livemode = ?",
        )
        .bind(&report.client_reference_id)
        .bind(encode(report)?)
        .bind(report.id.as_str())
        .bind(report.livemode)
        .execute(self.conn())
        .await?;
        if done != 1 {
            return Err(StoreError::Corrupt(format!(
                "report {} vanished during update",
                report.id
            )));
        }
        Ok(())
    }

    /// Every report written for a session, oldest first.
    pub async fn reports_of_session(
        &mut self,
        livemode: bool,
        session_id: &str,
    ) -> Result<Vec<VerificationReport>> {
        let rows = sql(
            "SELECT body FROM verification_reports WHERE livemode = ? AND verification_session = ? \
             ORDER BY created, seq",
        )
        .bind(livemode)
        .bind(session_id)
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(report_of).collect()
    }
}
