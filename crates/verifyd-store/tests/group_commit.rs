//! Group commit: concurrent transactions share commits, yet each is all-or-nothing on its
//! own — a rolled-back or dropped transaction in a batch undoes only its writes — and a
//! committed transaction survives reopening the database.

use std::sync::Arc;
use verifyd_core::session::{NewSession, SessionType, VerificationSession};
use verifyd_store::{Store, StoreOptions};

fn session() -> VerificationSession {
    VerificationSession::create(
        NewSession {
            session_type: Some(SessionType::Document),
            ..Default::default()
        },
        false,
        1_700_000_000_000,
    )
    .unwrap()
}

/// The store of the test in `dir`: SQLite there, or its own PostgreSQL database when the
/// run uses PostgreSQL (`VERIFYD_TEST_DATABASE=postgres`): the transaction semantics hold
/// on both backends.
async fn open(dir: &tempfile::TempDir) -> Store {
    let url = verifyd_store::testing::database_url(dir.path()).await;
    Store::connect(&verifyd_store::testing::store_options(url, dir.path()))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_transactions_commit_rollback_and_drop_independently() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(open(&dir).await);
    let mut tasks = Vec::new();
    for i in 0..60 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let s = session();
            let mut tx = store.begin().await.unwrap();
            tx.insert_session(&s).await.unwrap();
            match i % 3 {
                0 => {
                    tx.commit().await.unwrap();
                    // Acknowledged: visible to readers at once.
                    assert!(store.session(false, s.id.as_str()).await.unwrap().is_some());
                    (s.id.to_string(), true)
                }
                1 => {
                    tx.rollback().await.unwrap();
                    (s.id.to_string(), false)
                }
                _ => {
                    drop(tx);
                    (s.id.to_string(), false)
                }
            }
        }));
    }
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.unwrap());
    }
    // A later transaction still works after dropped ones.
    let last = session();
    let mut tx = store.begin().await.unwrap();
    tx.insert_session(&last).await.unwrap();
    tx.commit().await.unwrap();
    for (id, kept) in &outcomes {
        assert_eq!(
            store.session(false, id).await.unwrap().is_some(),
            *kept,
            "{id}"
        );
    }
    store.close().await;

    let reopened = open(&dir).await;
    for (id, kept) in &outcomes {
        assert_eq!(reopened.session(false, id).await.unwrap().is_some(), *kept);
    }
    assert!(reopened
        .session(false, last.id.as_str())
        .await
        .unwrap()
        .is_some());
    reopened.close().await;
    verifyd_store::testing::drop_database_of(dir.path()).await;
}

#[tokio::test]
async fn a_failed_statement_undoes_only_its_own_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir).await;
    let s = session();
    let mut tx = store.begin().await.unwrap();
    tx.insert_session(&s).await.unwrap();
    tx.commit().await.unwrap();
    let other = session();
    let mut tx = store.begin().await.unwrap();
    tx.insert_session(&other).await.unwrap();
    // The same id again violates the unique constraint.
    assert!(tx.insert_session(&s).await.is_err());
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    let third = session();
    tx.insert_session(&third).await.unwrap();
    tx.commit().await.unwrap();
    assert!(store
        .session(false, other.id.as_str())
        .await
        .unwrap()
        .is_none());
    assert!(store
        .session(false, third.id.as_str())
        .await
        .unwrap()
        .is_some());
    assert!(store.session(false, s.id.as_str()).await.unwrap().is_some());
    store.close().await;
    verifyd_store::testing::drop_database_of(dir.path()).await;
}

/// A caller cancelled while its transaction was starting (its client hung up while another
/// process held SQLite's write lock) leaves the writer usable: the BEGIN that sqlx had
/// already sent is accounted for, and later transactions commit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_begin_leaves_the_sqlite_writer_usable() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cancel.db").display());
    let a = Store::connect(&StoreOptions::new(url.clone()))
        .await
        .unwrap();
    let b = Store::connect(&StoreOptions::new(url)).await.unwrap();
    // `b` holds the write lock (an open write transaction).
    let mut held = b.begin().await.unwrap();
    held.insert_session(&session()).await.unwrap();
    let cancelled = tokio::time::timeout(std::time::Duration::from_millis(200), a.begin()).await;
    assert!(cancelled.is_err(), "a's begin waits for the lock");
    held.commit().await.unwrap();
    for _ in 0..3 {
        let s = session();
        let mut tx = a.begin().await.unwrap();
        tx.insert_session(&s).await.unwrap();
        tx.commit().await.unwrap();
        assert!(b.session(false, s.id.as_str()).await.unwrap().is_some());
    }
    a.close().await;
    b.close().await;
}
