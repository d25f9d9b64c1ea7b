//! Several stores on one database — what several verifyd processes are — never do one
//! thing twice: each job and each webhook delivery is claimed by one of them, and of many
//! requests carrying the same idempotency key at once exactly one may proceed. Runs on
//! SQLite and, with `VERIFYD_TEST_DATABASE=postgres`, on PostgreSQL (where the claims rely
//! on row locks and `SKIP LOCKED` rather than on SQLite's single writer).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use verifyd_store::{IdempotencyClaim, Store};

async fn stores(dir: &tempfile::TempDir, n: usize) -> Vec<Arc<Store>> {
    let url = verifyd_store::testing::database_url(dir.path()).await;
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(Arc::new(
            Store::connect(&verifyd_store::testing::store_options(
                url.clone(),
                dir.path(),
            ))
            .await
            .unwrap(),
        ));
    }
    out
}

async fn finish(stores: Vec<Arc<Store>>, dir: &tempfile::TempDir) {
    for s in stores {
        s.close().await;
    }
    verifyd_store::testing::drop_database_of(dir.path()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_job_is_claimed_by_exactly_one_of_several_stores() {
    let dir = tempfile::tempdir().unwrap();
    let stores = stores(&dir, 3).await;
    let now = 1_700_000_000_000_i64;
    let mut tx = stores[0].begin().await.unwrap();
    for i in 0..150 {
        tx.enqueue_job("test", &format!("subject_{i}"), now, now)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();

    let mut tasks = Vec::new();
    for (n, store) in stores.iter().enumerate() {
        for _ in 0..3 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                // A long lease: nothing expires during the test, so a second claim of a
                // job would be a double claim.
                while let Some(job) = store.claim_job(now, 600_000).await.unwrap() {
                    let mut tx = store.begin().await.unwrap();
                    assert!(tx.finish_job(&job).await.unwrap(), "lease held");
                    tx.commit().await.unwrap();
                    mine.push((n, job.subject));
                }
                mine
            }));
        }
    }
    let mut seen = HashSet::new();
    let mut by_store = [0; 3];
    for t in tasks {
        for (n, subject) in t.await.unwrap() {
            assert!(seen.insert(subject.clone()), "{subject} claimed twice");
            by_store[n] += 1;
        }
    }
    assert_eq!(seen.len(), 150);
    assert_eq!(stores[1].pending_job_count().await.unwrap(), 0);
    finish(stores, &dir).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_lease_lets_another_store_take_the_job_and_the_first_cannot_finish_it() {
    let dir = tempfile::tempdir().unwrap();
    let stores = stores(&dir, 2).await;
    let now = 1_700_000_000_000_i64;
    let mut tx = stores[0].begin().await.unwrap();
    tx.enqueue_job("test", "s", now, now).await.unwrap();
    tx.commit().await.unwrap();
    let first = stores[0].claim_job(now, 1_000).await.unwrap().unwrap();
    // Leased: nobody else gets it.
    assert!(stores[1]
        .claim_job(now + 500, 1_000)
        .await
        .unwrap()
        .is_none());
    // The first claimer "dies"; after the lease, the other store takes over.
    let second = stores[1]
        .claim_job(now + 1_001, 1_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.id, first.id);
    assert_eq!(second.attempts, 2);
    let mut tx = stores[0].begin().await.unwrap();
    assert!(!tx.finish_job(&first).await.unwrap(), "stale lease refused");
    tx.rollback().await.unwrap();
    let mut tx = stores[1].begin().await.unwrap();
    assert!(tx.finish_job(&second).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(stores[0].pending_job_count().await.unwrap(), 0);
    finish(stores, &dir).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_concurrent_claims_of_one_idempotency_key_exactly_one_proceeds() {
    let dir = tempfile::tempdir().unwrap();
    let stores = stores(&dir, 2).await;
    let now = 1_700_000_000_000_i64;
    for round in 0..5 {
        let key = format!("key-{round}");
        let mut tasks = Vec::new();
        for i in 0..16 {
            let store = stores[i % 2].clone();
            let key = key.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .claim_idempotency_key(false, &key, "fp", now, 60_000, 86_400_000)
                    .await
                    .unwrap()
            }));
        }
        let mut proceed = 0;
        for t in tasks {
            match t.await.unwrap() {
                IdempotencyClaim::Proceed { .. } => proceed += 1,
                IdempotencyClaim::InFlight => {}
                other => panic!("unexpected claim {other:?}"),
            }
        }
        assert_eq!(proceed, 1, "round {round}");
    }
    finish(stores, &dir).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_outlives_its_idempotency_lock_cannot_commit_beside_its_retry() {
    use verifyd_core::session::{NewSession, SessionType, VerificationSession};
    use verifyd_store::{IdempotencyRecord, StoreError};
    let dir = tempfile::tempdir().unwrap();
    let stores = stores(&dir, 2).await;
    let now = 1_700_000_000_000_i64;
    let session = |n: i64| {
        VerificationSession::create(
            NewSession {
                session_type: Some(SessionType::Document),
                ..Default::default()
            },
            false,
            now + n,
        )
        .unwrap()
    };
    let record = |body: &str| IdempotencyRecord {
        status: 200,
        body: body.to_owned(),
        request_id: None,
        subject: None,
    };
    let claim = |store: usize, at: i64| {
        let store = stores[store].clone();
        async move {
            store
                .claim_idempotency_key(false, "slow", "fp", at, 60_000, 86_400_000)
                .await
                .unwrap()
        }
    };
    let IdempotencyClaim::Proceed { owner: first } = claim(0, now).await else {
        panic!("the first request proceeds");
    };
    // Past the lock, a retry takes the key over…
    let IdempotencyClaim::Proceed { owner: second } = claim(1, now + 61_000).await else {
        panic!("a retry after the lock takes the key over");
    };
    assert_ne!(first, second);
    // …so the first request, finishing late, cannot commit its result.
    let late = session(1);
    let mut tx = stores[0].begin().await.unwrap();
    tx.insert_session(&late).await.unwrap();
    let outcome = tx
        .complete_idempotency_key(false, "slow", &first, &record("first"))
        .await;
    assert!(matches!(outcome, Err(StoreError::ClaimLost)), "{outcome:?}");
    tx.rollback().await.unwrap();
    assert_eq!(
        stores[0].session(false, late.id.as_str()).await.unwrap(),
        None
    );
    // The first request can no longer release the key either.
    stores[0]
        .release_idempotency_key(false, "slow", &first)
        .await
        .unwrap();
    // The retry's result is the one, and every later request replays it.
    let kept = session(2);
    let mut tx = stores[1].begin().await.unwrap();
    tx.insert_session(&kept).await.unwrap();
    tx.complete_idempotency_key(false, "slow", &second, &record("second"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    match claim(0, now + 62_000).await {
        IdempotencyClaim::Replay(saved) => assert_eq!(saved.body, "second"),
        other => panic!("expected the retry's result, got {other:?}"),
    }
    finish(stores, &dir).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_that_queues_work_signals_the_other_stores_only_once_committed() {
    let dir = tempfile::tempdir().unwrap();
    let stores = stores(&dir, 2).await;
    let listener = stores[1].work_listener().await.unwrap();
    let Some(mut listener) = listener else {
        // SQLite: one process per database wakes its own workers; nothing to listen to.
        assert!(!verifyd_store::testing::use_postgres());
        finish(stores, &dir).await;
        return;
    };
    let now = 1_700_000_000_000_i64;
    let mut tx = stores[0].begin().await.unwrap();
    tx.enqueue_job("test", "s", now, now).await.unwrap();
    let early = tokio::time::timeout(Duration::from_millis(500), listener.next()).await;
    assert!(early.is_err(), "no signal before the commit");
    tx.commit().await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), listener.next())
        .await
        .expect("a signal after the commit")
        .unwrap();
    // A rolled-back transaction signals nothing.
    let mut tx = stores[0].begin().await.unwrap();
    tx.enqueue_job("test", "t", now, now).await.unwrap();
    tx.rollback().await.unwrap();
    let late = tokio::time::timeout(Duration::from_millis(500), listener.next()).await;
    assert!(late.is_err(), "no signal from a rollback");
    drop(listener);
    finish(stores, &dir).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_that_queued_work_wakes_this_processs_workers_and_only_then() {
    let dir = tempfile::tempdir().unwrap();
    let stores = stores(&dir, 1).await;
    let store = &stores[0];
    let signal = store.work_committed();

    // A commit that queues nothing wakes nobody.
    let woken = signal.notified();
    tokio::pin!(woken);
    woken.as_mut().enable();
    let tx = store.begin().await.unwrap();
    tx.commit().await.unwrap();
    assert!(
        tokio::time::timeout(Duration::from_millis(200), woken.as_mut())
            .await
            .is_err(),
        "woken by a commit that queued no work"
    );

    // A job queued, not yet committed: nothing; committed: the workers wake.
    let mut tx = store.begin().await.unwrap();
    tx.enqueue_job("process_submission", "test:vs_wake", 0, 0)
        .await
        .unwrap();
    assert!(
        tokio::time::timeout(Duration::from_millis(100), woken.as_mut())
            .await
            .is_err(),
        "woken before the commit"
    );
    tx.commit().await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), woken.as_mut())
        .await
        .expect("the commit woke the workers");
    finish(stores, &dir).await;
}
