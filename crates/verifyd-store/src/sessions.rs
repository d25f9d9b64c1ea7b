//! VerificationSession rows: the session document plus the columns lists filter on.

use crate::db::{sql, Backend, DbRow, Sql};
use crate::list::{cursor_position, into_page, push_keyset, Cursor, Page, Position, SessionQuery};
use crate::{decode, encode, Result, Store, StoreError, Tx};
use verifyd_core::session::VerificationSession;

const COLUMNS: &str = "SELECT body FROM verification_sessions WHERE livemode = ";

impl Store {
    /// The session `id` of the given mode, if it exists.
    pub async fn session(&self, livemode: bool, id: &str) -> Result<Option<VerificationSession>> {
        let row = sql("SELECT body FROM verification_sessions WHERE id = ? AND livemode = ?")
            .bind(id)
            .bind(livemode)
            .fetch_optional(self.reader())
            .await?;
        row.as_ref().map(session_of).transpose()
    }

    /// A page of sessions, newest first. `Ok(None)` when the cursor names no session of
    /// this mode.
    pub async fn list_sessions(
        &self,
        query: &SessionQuery,
    ) -> Result<Option<Page<VerificationSession>>> {
        let Some(position) = cursor_position(
            self.reader(),
            "verification_sessions",
            query.livemode,
            query.cursor.as_ref(),
        )
        .await?
        else {
            return Ok(None);
        };
        let (qb, ascending) = session_list_query(query, position);
        let rows = qb.fetch_all(self.reader()).await?;
        let items = rows.iter().map(session_of).collect::<Result<Vec<_>>>()?;
        Ok(Some(into_page(items, query.limit, ascending)))
    }

    /// The session whose current `url` token is `token` (any mode), if any.
    pub async fn session_by_url_token(&self, token: &str) -> Result<Option<VerificationSession>> {
        let row = sql("SELECT body FROM verification_sessions WHERE url_token = ?")
            .bind(token)
            .fetch_optional(self.reader())
            .await?;
        row.as_ref().map(session_of).transpose()
    }

    /// The session whose current `client_secret` is `secret` (any mode), if any.
    pub async fn session_by_client_secret(
        &self,
        secret: &str,
    ) -> Result<Option<VerificationSession>> {
        let row = sql("SELECT body FROM verification_sessions WHERE client_secret = ?")
            .bind(secret)
            .fetch_optional(self.reader())
            .await?;
        row.as_ref().map(session_of).transpose()
    }

    /// The session `id` in whichever mode it lives (the hosted pages know only the id).
    pub async fn session_any_mode(&self, id: &str) -> Result<Option<VerificationSession>> {
        let row = sql("SELECT body FROM verification_sessions WHERE id = ?")
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        row.as_ref().map(session_of).transpose()
    }

    /// The query plan the database picks for a session list (for tests that check every
    /// list is served by an index): SQLite's `EXPLAIN QUERY PLAN` details, or PostgreSQL's
    /// `EXPLAIN` lines.
    #[doc(hidden)]
    pub async fn explain_session_list(&self, query: &SessionQuery) -> Result<Vec<String>> {
        let position = Position { created: 0, seq: 0 };
        let cursor = query.cursor.as_ref().map(|c| (c, position));
        let (qb, _) = session_list_query(query, cursor);
        let (prefix, column) = match self.backend() {
            Backend::Sqlite => ("EXPLAIN QUERY PLAN ", "detail"),
            Backend::Postgres => ("EXPLAIN ", "QUERY PLAN"),
        };
        let rows = qb.prefixed(prefix).fetch_all(self.reader()).await?;
        Ok(rows.iter().map(|r| r.get::<String>(column)).collect())
    }
}

impl Store {
    /// Refreshes the planner's statistics (PostgreSQL `ANALYZE`; SQLite `ANALYZE` too), for
    /// tests that check query plans on freshly seeded tables.
    #[doc(hidden)]
    pub async fn analyze(&self) -> Result<()> {
        let mut tx = self.begin().await?;
        sql("ANALYZE").execute(tx.conn()).await?;
        tx.commit().await
    }
}

fn session_of(row: &DbRow) -> Result<VerificationSession> {
    decode(row.get::<&str>("body"))
}

/// The SQL of a session list page. Returns whether rows come back oldest first.
fn session_list_query<'a>(
    query: &'a SessionQuery,
    position: Option<(&Cursor, Position)>,
) -> (Sql<'a>, bool) {
    let mut qb = sql(COLUMNS);
    qb.push_bind(query.livemode);
    if let Some(status) = &query.status {
        qb.push(" AND status = ").push_bind(status.as_str());
    }
    if let Some(v) = &query.client_reference_id {
        qb.push(" AND client_reference_id = ").push_bind(v.as_str());
    }
    if let Some(v) = &query.related_customer {
        qb.push(" AND related_customer = ").push_bind(v.as_str());
    }
    if let Some(v) = &query.related_customer_account {
        qb.push(" AND related_customer_account = ")
            .push_bind(v.as_str());
    }
    query.created.push(&mut qb);
    let ascending = push_keyset(&mut qb, position, query.limit);
    (qb, ascending)
}

impl Tx {
    /// The session as this transaction sees it (for read-modify-write).
    pub async fn session(
        &mut self,
        livemode: bool,
        id: &str,
    ) -> Result<Option<VerificationSession>> {
        let lock = self.backend().for_update();
        let row = sql(format!(
            "SELECT body FROM verification_sessions WHERE id = ? AND livemode = ?{lock}"
        ))
        .bind(id)
        .bind(livemode)
        .fetch_optional(self.conn())
        .await?;
        row.as_ref().map(session_of).transpose()
    }

    pub async fn insert_session(&mut self, session: &VerificationSession) -> Result<()> {
        sql(
            "INSERT INTO verification_sessions (id, livemode, created, status, client_reference_id, \
             related_customer, related_customer_account, url_token, client_secret, body) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(session.id.as_str())
        .bind(session.livemode)
        .bind(session.created)
        .bind(session.status.as_str())
        .bind(&session.client_reference_id)
        .bind(&session.related_customer)
        .bind(&session.related_customer_account)
        .bind(session.secrets.as_ref().map(|s| s.url_token.as_str()))
        .bind(session.secrets.as_ref().map(|s| s.client_secret.as_str()))
        .bind(encode(session)?)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Saves a changed session. The filter columns follow the document.
    pub async fn update_session(&mut self, session: &VerificationSession) -> Result<()> {
        let done = sql(
            "UPDATE verification_sessions SET status = ?, client_reference_id = ?, \
             related_customer = ?, related_customer_account = ?, url_token = ?, \
             client_secret = ?, body = ? WHERE id = ? AND livemode = ?",
        )
        .bind(session.status.as_str())
        .bind(&session.client_reference_id)
        .bind(&session.related_customer)
        .bind(&session.related_customer_account)
        .bind(session.secrets.as_ref().map(|s| s.url_token.as_str()))
        .bind(session.secrets.as_ref().map(|s| s.client_secret.as_str()))
        .bind(encode(session)?)
        .bind(session.id.as_str())
        .bind(session.livemode)
        .execute(self.conn())
        .await?;
        if done != 1 {
            return Err(StoreError::Corrupt(format!(
                "session {} vanished during update",
                session.id
            )));
        }
        Ok(())
    }
}
