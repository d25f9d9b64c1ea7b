//! VerificationReport rows: the report document, sealed under its session's data key, plus
//! the columns lists filter on (`client_reference_id` as its blind index).

use crate::data_keys::ACCOUNT_SCOPE;
use crate::db::sql;
use crate::list::{cursor_position, into_page, push_keyset, Page, ReportQuery};
use crate::sealing::Kind;
use crate::{Result, Store, StoreError, Tx};
use verifyd_core::report::VerificationReport;

/// The data key scope of a report: its session's.
fn scope_of(report: &VerificationReport) -> &str {
    report
        .verification_session
        .as_ref()
        .map(|s| s.as_str())
        .unwrap_or(ACCOUNT_SCOPE)
}

impl Store {
    pub async fn report(&self, livemode: bool, id: &str) -> Result<Option<VerificationReport>> {
        let row = sql("SELECT body FROM verification_reports WHERE id = ? AND livemode = ?")
            .bind(id)
            .bind(livemode)
            .fetch_optional(self.reader())
            .await?;
        match row {
            Some(row) => Ok(Some(self.open_json(Kind::Report, &row, "body").await?)),
            None => Ok(None),
        }
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
            qb.push(" AND client_reference_id = ")
                .push_bind(self.blind_index("client_reference_id", v));
        }
        query.created.push(&mut qb);
        let ascending = push_keyset(&mut qb, position, query.limit);
        let rows = qb.fetch_all(self.reader()).await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            items.push(self.open_json(Kind::Report, row, "body").await?);
        }
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
        match row {
            Some(row) => Ok(Some(self.open_json(Kind::Report, &row, "body").await?)),
            None => Ok(None),
        }
    }

    pub async fn insert_report(&mut self, report: &VerificationReport) -> Result<()> {
        let body = self
            .seal_json(scope_of(report), Kind::Report, report)
            .await?;
        let reference = self.client_reference_index(report);
        sql(
            "INSERT INTO verification_reports (id, livemode, created, type, verification_session, \
             client_reference_id, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(report.id.as_str())
        .bind(report.livemode)
        .bind(report.created)
        .bind(report.report_type.as_str())
        .bind(report.verification_session.as_ref().map(|s| s.as_str()))
        .bind(&reference)
        .bind(body.as_slice())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    pub async fn update_report(&mut self, report: &VerificationReport) -> Result<()> {
        let body = self
            .seal_json(scope_of(report), Kind::Report, report)
            .await?;
        let reference = self.client_reference_index(report);
        let done = sql(
            "UPDATE verification_reports SET client_reference_id = ?, body = ? \
             WHERE id = ? AND livemode = ?",
        )
        .bind(&reference)
        .bind(body.as_slice())
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
        let mut reports = Vec::with_capacity(rows.len());
        for row in &rows {
            reports.push(self.open_json(Kind::Report, row, "body").await?);
        }
        Ok(reports)
    }

    fn client_reference_index(&self, report: &VerificationReport) -> Option<String> {
        report
            .client_reference_id
            .as_deref()
            .map(|v| self.blind_index("client_reference_id", v))
    }
}
