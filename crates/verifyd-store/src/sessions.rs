//! VerificationSession rows: the session document, sealed under the session's data key,
//! plus the columns lists filter on (personal values there as blind indexes, the end user's
//! credentials as hashes).

use crate::db::{sql, Backend, DbRow, Sql};
use crate::list::{cursor_position, into_page, push_keyset, Cursor, Page, Position, SessionQuery};
use crate::sealing::{credential_hash, Kind};
use crate::{Result, Store, StoreError, Tx};
use verifyd_core::session::VerificationSession;

/// The filter columns of a session as stored: blind indexes and credential hashes.
struct FilterColumns {
    client_reference_id: Option<String>,
    related_customer: Option<String>,
    related_customer_account: Option<String>,
    url_token: Option<String>,
    client_secret: Option<String>,
}

impl FilterColumns {
    fn of(session: &VerificationSession, index: impl Fn(&str, &str) -> String) -> Self {
        let blind = |field: &str, v: &Option<String>| v.as_deref().map(|v| index(field, v));
        Self {
            client_reference_id: blind("client_reference_id", &session.client_reference_id),
            related_customer: blind("related_customer", &session.related_customer),
            related_customer_account: blind(
                "related_customer_account",
                &session.related_customer_account,
            ),
            url_token: session
                .secrets
                .as_ref()
                .map(|s| credential_hash(&s.url_token)),
            client_secret: session
                .secrets
                .as_ref()
                .map(|s| credential_hash(&s.client_secret)),
        }
    }
}

const COLUMNS: &str = "SELECT body FROM verification_sessions WHERE livemode = ";

impl Store {
    /// The session `id` of the given mode, if it exists.
    pub async fn session(&self, livemode: bool, id: &str) -> Result<Option<VerificationSession>> {
        let row = sql("SELECT body FROM verification_sessions WHERE id = ? AND livemode = ?")
            .bind(id)
            .bind(livemode)
            .fetch_optional(self.reader())
            .await?;
        self.session_of(row).await
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
        let filters = self.session_filters(query);
        let (qb, ascending) = session_list_query(query, &filters, position);
        let rows = qb.fetch_all(self.reader()).await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            items.push(self.open_json(Kind::Session, row, "body").await?);
        }
        Ok(Some(into_page(items, query.limit, ascending)))
    }

    /// The session whose current `url` token is `token` (any mode), if any.
    pub async fn session_by_url_token(&self, token: &str) -> Result<Option<VerificationSession>> {
        let row = sql("SELECT body FROM verification_sessions WHERE url_token = ?")
            .bind(credential_hash(token))
            .fetch_optional(self.reader())
            .await?;
        self.session_of(row).await
    }

    /// The session whose current `client_secret` is `secret` (any mode), if any.
    pub async fn session_by_client_secret(
        &self,
        secret: &str,
    ) -> Result<Option<VerificationSession>> {
        let row = sql("SELECT body FROM verification_sessions WHERE client_secret = ?")
            .bind(credential_hash(secret))
            .fetch_optional(self.reader())
            .await?;
        self.session_of(row).await
    }

    /// The session `id` in whichever mode it lives (the hosted pages know only the id).
    pub async fn session_any_mode(&self, id: &str) -> Result<Option<VerificationSession>> {
        let row = sql("SELECT body FROM verification_sessions WHERE id = ?")
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        self.session_of(row).await
    }

    /// The query plan the database picks for a session list (for tests that check every
    /// list is served by an index): SQLite's `EXPLAIN QUERY PLAN` details, or PostgreSQL's
    /// `EXPLAIN` lines.
    #[doc(hidden)]
    pub async fn explain_session_list(&self, query: &SessionQuery) -> Result<Vec<String>> {
        let position = Position { created: 0, seq: 0 };
        let cursor = query.cursor.as_ref().map(|c| (c, position));
        let filters = self.session_filters(query);
        let (qb, _) = session_list_query(query, &filters, cursor);
        let (prefix, column) = match self.backend() {
            Backend::Sqlite => ("EXPLAIN QUERY PLAN ", "detail"),
            Backend::Postgres => ("EXPLAIN ", "QUERY PLAN"),
        };
        let rows = qb.prefixed(prefix).fetch_all(self.reader()).await?;
        Ok(rows.iter().map(|r| r.get::<String>(column)).collect())
    }
}

impl Store {
    /// Sessions created before `created_before` (seconds) that are not redacted and not being
    /// processed, oldest first: those a retention period says to redact.
    pub async fn sessions_past_retention(
        &self,
        created_before: i64,
        limit: u32,
    ) -> Result<Vec<(bool, String)>> {
        let rows = sql(
            "SELECT livemode, id FROM verification_sessions WHERE redacted = FALSE \
             AND created < ? AND status <> 'processing' ORDER BY created LIMIT ?",
        )
        .bind(created_before)
        .bind(i64::from(limit))
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<bool>("livemode"), r.get::<String>("id")))
            .collect())
    }

    /// Refreshes the planner's statistics (PostgreSQL `ANALYZE`; SQLite `ANALYZE` too), for
    /// tests that check query plans on freshly seeded tables.
    #[doc(hidden)]
    pub async fn analyze(&self) -> Result<()> {
        let mut tx = self.begin().await?;
        sql("ANALYZE").execute(tx.conn()).await?;
        tx.commit().await
    }
}

impl Store {
    async fn session_of(&self, row: Option<DbRow>) -> Result<Option<VerificationSession>> {
        match row {
            Some(row) => Ok(Some(self.open_json(Kind::Session, &row, "body").await?)),
            None => Ok(None),
        }
    }

    /// The blind indexes a list query filters on.
    fn session_filters(&self, query: &SessionQuery) -> [Option<String>; 3] {
        let blind =
            |field: &str, v: &Option<String>| v.as_deref().map(|v| self.blind_index(field, v));
        [
            blind("client_reference_id", &query.client_reference_id),
            blind("related_customer", &query.related_customer),
            blind("related_customer_account", &query.related_customer_account),
        ]
    }
}

/// The SQL of a session list page. Returns whether rows come back oldest first.
fn session_list_query<'a>(
    query: &'a SessionQuery,
    filters: &'a [Option<String>; 3],
    position: Option<(&Cursor, Position)>,
) -> (Sql<'a>, bool) {
    let mut qb = sql(COLUMNS);
    qb.push_bind(query.livemode);
    if let Some(status) = &query.status {
        qb.push(" AND status = ").push_bind(status.as_str());
    }
    let [client_reference_id, related_customer, related_customer_account] = filters;
    if let Some(v) = client_reference_id {
        qb.push(" AND client_reference_id = ").push_bind(v.as_str());
    }
    if let Some(v) = related_customer {
        qb.push(" AND related_customer = ").push_bind(v.as_str());
    }
    if let Some(v) = related_customer_account {
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
        match row {
            Some(row) => Ok(Some(self.open_json(Kind::Session, &row, "body").await?)),
            None => Ok(None),
        }
    }

    pub async fn insert_session(&mut self, session: &VerificationSession) -> Result<()> {
        let columns = FilterColumns::of(session, |f, v| self.blind_index(f, v));
        let body = self
            .seal_json(session.id.as_str(), Kind::Session, session)
            .await?;
        sql(
            "INSERT INTO verification_sessions (id, livemode, created, status, client_reference_id, \
             related_customer, related_customer_account, url_token, client_secret, body, \
             redacted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(session.id.as_str())
        .bind(session.livemode)
        .bind(session.created)
        .bind(session.status.as_str())
        .bind(&columns.client_reference_id)
        .bind(&columns.related_customer)
        .bind(&columns.related_customer_account)
        .bind(&columns.url_token)
        .bind(&columns.client_secret)
        .bind(body.as_slice())
        .bind(session.redaction.is_some())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Saves a changed session. The filter columns follow the document.
    pub async fn update_session(&mut self, session: &VerificationSession) -> Result<()> {
        let columns = FilterColumns::of(session, |f, v| self.blind_index(f, v));
        let body = self
            .seal_json(session.id.as_str(), Kind::Session, session)
            .await?;
        let done = sql(
            "UPDATE verification_sessions SET status = ?, client_reference_id = ?, \
             related_customer = ?, related_customer_account = ?, url_token = ?, \
             client_secret = ?, body = ?, redacted = ? WHERE id = ? AND livemode = ?",
        )
        .bind(session.status.as_str())
        .bind(&columns.client_reference_id)
        .bind(&columns.related_customer)
        .bind(&columns.related_customer_account)
        .bind(&columns.url_token)
        .bind(&columns.client_secret)
        .bind(body.as_slice())
        .bind(session.redaction.is_some())
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
