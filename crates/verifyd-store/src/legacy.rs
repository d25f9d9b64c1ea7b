//! Sealing what a database written before sealing existed (schema version 4) still holds in
//! clear: run once, at the first start after the migration, in batches of one transaction
//! each, before the store is used. Readers accept unsealed values meanwhile, so a pass cut
//! short by a crash simply continues at the next start.

use crate::data_keys::ACCOUNT_SCOPE;
use crate::db::{sql, Backend};
use crate::sealing::Kind;
use crate::{decode_bytes, Result, Store, StoreError};
use verifyd_core::event::WebhookEndpoint;
use verifyd_core::report::VerificationReport;
use verifyd_core::session::VerificationSession;

const BATCH: i64 = 200;

impl Store {
    /// Seals every row still in clear, if the migration to sealed storage left any.
    pub(crate) async fn seal_legacy_rows(&self) -> Result<()> {
        let pending = sql("SELECT singleton FROM pending_sealing")
            .fetch_optional(self.reader())
            .await?;
        if pending.is_none() {
            return Ok(());
        }
        tracing::info!("sealing personal data stored before encryption at rest");
        self.sealer.set_accepts_unsealed(true);
        let sealed = self.seal_all_legacy_rows().await;
        self.sealer.set_accepts_unsealed(false);
        sealed
    }

    async fn seal_all_legacy_rows(&self) -> Result<()> {
        let mut total = 0;
        loop {
            let done = self.seal_legacy_batch().await?;
            if done == 0 {
                break;
            }
            total += done;
        }
        let mut tx = self.begin().await?;
        sql("DELETE FROM pending_sealing")
            .execute(tx.conn())
            .await?;
        tx.commit().await?;
        tracing::info!(rows = total, "sealed the rows stored in clear");
        Ok(())
    }

    /// Seals up to a batch of rows of each table; returns how many it sealed.
    async fn seal_legacy_batch(&self) -> Result<u64> {
        let unsealed = |column: &str| match self.backend() {
            Backend::Sqlite => format!("substr({column}, 1, 1) <> x'01'"),
            Backend::Postgres => format!("(length({column}) = 0 OR get_byte({column}, 0) <> 1)"),
        };
        let lock = self.backend().for_update();
        let mut tx = self.begin().await?;
        let mut done = 0;

        let rows = sql(format!(
            "SELECT body FROM verification_sessions WHERE {} LIMIT ?{lock}",
            unsealed("body")
        ))
        .bind(BATCH)
        .fetch_all(tx.conn())
        .await?;
        for row in &rows {
            let session: VerificationSession = decode_bytes(&row.get::<Vec<u8>>("body"))?;
            tx.update_session(&session).await?;
            done += 1;
        }

        let rows = sql(format!(
            "SELECT body FROM verification_reports WHERE {} LIMIT ?{lock}",
            unsealed("body")
        ))
        .bind(BATCH)
        .fetch_all(tx.conn())
        .await?;
        for row in &rows {
            let report: VerificationReport = decode_bytes(&row.get::<Vec<u8>>("body"))?;
            tx.update_report(&report).await?;
            done += 1;
        }

        let rows = sql(format!(
            "SELECT id, body, verification_session FROM events WHERE {} LIMIT ?{lock}",
            unsealed("body")
        ))
        .bind(BATCH)
        .fetch_all(tx.conn())
        .await?;
        for row in &rows {
            let body = String::from_utf8(row.get::<Vec<u8>>("body"))
                .map_err(|_| StoreError::Corrupt("event body is not UTF-8".into()))?;
            let scope = row
                .get::<Option<String>>("verification_session")
                .unwrap_or_else(|| ACCOUNT_SCOPE.to_owned());
            tx.replace_event_body(&row.get::<String>("id"), &scope, &body)
                .await?;
            done += 1;
        }

        let rows = sql(format!(
            "SELECT body FROM webhook_endpoints WHERE {} LIMIT ?{lock}",
            unsealed("body")
        ))
        .bind(BATCH)
        .fetch_all(tx.conn())
        .await?;
        for row in &rows {
            let endpoint: WebhookEndpoint = decode_bytes(&row.get::<Vec<u8>>("body"))?;
            tx.update_webhook_endpoint(&endpoint).await?;
            done += 1;
        }

        let rows = sql(format!(
            "SELECT id, verification_session, contents FROM files \
             WHERE contents IS NOT NULL AND {} LIMIT ?{lock}",
            unsealed("contents")
        ))
        .bind(BATCH)
        .fetch_all(tx.conn())
        .await?;
        for row in &rows {
            let scope: String = row.get("verification_session");
            let sealed = tx
                .seal(&scope, Kind::File, &row.get::<Vec<u8>>("contents"))
                .await?;
            sql("UPDATE files SET contents = ? WHERE id = ?")
                .bind(sealed.as_slice())
                .bind(row.get::<String>("id"))
                .execute(tx.conn())
                .await?;
            done += 1;
        }

        let rows = sql(format!(
            "SELECT livemode, idempotency_key, fingerprint, response_body FROM \
             idempotency_keys WHERE sealed = FALSE LIMIT ?{lock}"
        ))
        .bind(BATCH)
        .fetch_all(tx.conn())
        .await?;
        for row in &rows {
            let key: String = row.get("idempotency_key");
            let body: Option<Vec<u8>> = row.get("response_body");
            // A saved session or endpoint is sealed under its own key (so redacting or
            // deleting it reaches the saved copy).
            let session = body
                .as_deref()
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
                .filter(|v| {
                    v["object"] == "identity.verification_session"
                        || v["object"] == "webhook_endpoint"
                })
                .and_then(|v| v["id"].as_str().map(str::to_owned));
            let sealed = match &body {
                Some(b) => Some(
                    tx.seal(
                        session.as_deref().unwrap_or(ACCOUNT_SCOPE),
                        Kind::Response,
                        b,
                    )
                    .await?,
                ),
                None => None,
            };
            sql(
                "UPDATE idempotency_keys SET idempotency_key = ?, response_body = ?, \
                 subject = ?, sealed = TRUE, fingerprint = ? \
                 WHERE livemode = ? AND idempotency_key = ? AND sealed = FALSE",
            )
            .bind(tx.blind_index("idempotency_key", &key))
            .bind(sealed.as_deref())
            .bind(session.as_deref())
            .bind(tx.blind_index("request_fingerprint", &row.get::<String>("fingerprint")))
            .bind(row.get::<bool>("livemode"))
            .bind(key.as_str())
            .execute(tx.conn())
            .await?;
            done += 1;
        }

        tx.commit().await?;
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use crate::db::{sql, Target};
    use crate::{IdempotencyClaim, SessionQuery, Store};
    use sqlx::migrate::Migrator;
    use verifyd_core::session::{NewSession, SessionType, VerificationSession};

    /// The migrations up to schema version 4, the last before sealing.
    fn before_sealing(all: &Migrator) -> Migrator {
        Migrator {
            migrations: all.iter().take(4).cloned().collect::<Vec<_>>().into(),
            ignore_missing: false,
            locking: true,
            no_tx: false,
        }
    }

    /// Rows as verifyd wrote them before sealing: documents and images in clear, filter
    /// columns and credentials as they are, idempotency keys in clear.
    async fn write_version_4_rows(target: Target<'_>, session: &VerificationSession) {
        let body = serde_json::to_string(session).unwrap();
        let secrets = session.secrets.as_ref().unwrap();
        sql(
            "INSERT INTO verification_sessions (id, livemode, created, status, \
             client_reference_id, related_customer, related_customer_account, url_token, \
             client_secret, body) VALUES (?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?)",
        )
        .bind(session.id.as_str())
        .bind(false)
        .bind(session.created)
        .bind(session.status.as_str())
        .bind(session.client_reference_id.as_deref())
        .bind(secrets.url_token.as_str())
        .bind(secrets.client_secret.as_str())
        .bind(body.clone())
        .execute(target)
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn rows_stored_in_clear_before_sealing_are_sealed_at_the_next_start() {
        let dir = tempfile::tempdir().unwrap();
        let url = crate::testing::database_url(dir.path()).await;
        let session = VerificationSession::create(
            NewSession {
                session_type: Some(SessionType::Document),
                client_reference_id: Some("legacy-reference".into()),
                ..Default::default()
            },
            false,
            1_700_000_000_000,
        )
        .unwrap();
        let body = serde_json::to_string(&session).unwrap();
        let event_body = format!("{{\"id\":\"evt_legacy\",\"data\":{{\"object\":{body}}}}}");
        let image = b"\x89PNG legacy image bytes".to_vec();
        let others = [
            (
                "INSERT INTO events (id, livemode, created, type, pending_webhooks, body, \
                 verification_session) VALUES ('evt_legacy', FALSE, 1, \
                 'identity.verification_session.created', 0, ?, ?)",
                event_body.clone(),
            ),
            (
                "INSERT INTO idempotency_keys (livemode, idempotency_key, fingerprint, state, \
                 locked_until, response_status, response_body, request_id, created) VALUES \
                 (FALSE, 'legacy-key', 'fp', 'done', 0, 200, ?, 'req_1', ?)",
                body.clone(),
            ),
        ];
        let now_millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        // A version-4 database, on either backend.
        let (sqlite, postgres) = match crate::backend_of(&url).unwrap() {
            crate::Backend::Sqlite => {
                let pool = sqlx::SqlitePool::connect_with(crate::sqlite_options(&url).unwrap())
                    .await
                    .unwrap();
                before_sealing(&crate::SQLITE_MIGRATOR)
                    .run(&pool)
                    .await
                    .unwrap();
                (Some(pool), None)
            }
            crate::Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&url).await.unwrap();
                before_sealing(&crate::POSTGRES_MIGRATOR)
                    .run(&pool)
                    .await
                    .unwrap();
                (None, Some(pool))
            }
        };
        let target = || match (&sqlite, &postgres) {
            (Some(pool), _) => Target::SqlitePool(pool),
            (_, Some(pool)) => Target::PgPool(pool),
            _ => unreachable!("one pool is open"),
        };
        write_version_4_rows(target(), &session).await;
        sql(others[0].0)
            .bind(others[0].1.as_str())
            .bind(session.id.as_str())
            .execute(target())
            .await
            .unwrap();
        sql(others[1].0)
            .bind(others[1].1.as_str())
            .bind(now_millis)
            .execute(target())
            .await
            .unwrap();
        sql(
            "INSERT INTO files (id, livemode, created, purpose, type, size, \
             verification_session, contents) VALUES ('file_legacy', FALSE, 1, \
             'identity_document', 'png', 3, ?, ?)",
        )
        .bind(session.id.as_str())
        .bind(image.as_slice())
        .execute(target())
        .await
        .unwrap();
        if let Some(pool) = sqlite {
            pool.close().await;
        }
        if let Some(pool) = postgres {
            pool.close().await;
        }

        let store = Store::connect(&crate::testing::store_options(url, dir.path()))
            .await
            .unwrap();
        // Everything reads back as it was written…
        assert_eq!(
            store.session(false, session.id.as_str()).await.unwrap(),
            Some(session.clone())
        );
        let token = &session.secrets.as_ref().unwrap().url_token;
        assert_eq!(
            store
                .session_by_url_token(token)
                .await
                .unwrap()
                .map(|s| s.id),
            Some(session.id.clone())
        );
        let page = store
            .list_sessions(&SessionQuery {
                livemode: false,
                limit: 10,
                client_reference_id: Some("legacy-reference".into()),
                ..Default::default()
            })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!(
            store
                .event(false, "evt_legacy")
                .await
                .unwrap()
                .unwrap()
                .body,
            event_body
        );
        let (_, contents) = store.file(false, "file_legacy").await.unwrap().unwrap();
        assert_eq!(contents, Some(image.clone()));
        match store
            .claim_idempotency_key(false, "legacy-key", "fp", now_millis, 60_000, 86_400_000)
            .await
            .unwrap()
        {
            IdempotencyClaim::Replay(record) => assert_eq!(record.body, body),
            other => panic!("expected a replay, got {other:?}"),
        }
        // …and nothing of it is left in clear.
        let raw = sql("SELECT body, url_token, client_reference_id FROM verification_sessions")
            .fetch_one(store.reader())
            .await
            .unwrap();
        assert_eq!(raw.get::<Vec<u8>>("body")[0], 1);
        assert_ne!(raw.get::<String>("url_token"), *token);
        assert_ne!(raw.get::<String>("client_reference_id"), "legacy-reference");
        for (table, column) in [
            ("events", "body"),
            ("files", "contents"),
            ("idempotency_keys", "response_body"),
        ] {
            let raw = sql(format!("SELECT {column} AS v FROM {table}"))
                .fetch_one(store.reader())
                .await
                .unwrap();
            assert_eq!(raw.get::<Vec<u8>>("v")[0], 1, "{table}.{column} is sealed");
        }
        assert!(sql("SELECT singleton FROM pending_sealing")
            .fetch_optional(store.reader())
            .await
            .unwrap()
            .is_none());
        // From now on a value in clear where a sealed one belongs is refused, not read.
        let mut tx = store.begin().await.unwrap();
        sql("UPDATE verification_sessions SET body = ? WHERE id = ?")
            .bind(body.as_bytes())
            .bind(session.id.as_str())
            .execute(tx.conn())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(matches!(
            store.session(false, session.id.as_str()).await,
            Err(crate::StoreError::Corrupt(_))
        ));
        store.close().await;
        crate::testing::drop_database_of(dir.path()).await;
    }
}
