//! Every session list is served by an index that yields rows already in (created, seq)
//! order: the database never scans the table nor sorts it, so a page costs the same at ten
//! sessions as at ten million. On SQLite the plan is read from `EXPLAIN QUERY PLAN`; on
//! PostgreSQL (`VERIFYD_TEST_DATABASE=postgres`) from `EXPLAIN`, after seeding enough
//! sessions and statistics that the planner's choice is the one it makes in production.

use verifyd_core::session::{NewSession, SessionType, VerificationSession};
use verifyd_store::{Backend, CreatedRange, Cursor, SessionQuery, Store};

async fn store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = verifyd_store::testing::database_url(dir.path()).await;
    let store = Store::connect(&verifyd_store::testing::store_options(url, dir.path()))
        .await
        .unwrap();
    if store.backend() == Backend::Postgres {
        let mut tx = store.begin().await.unwrap();
        for i in 0..20_000_i64 {
            let session = VerificationSession::create(
                NewSession {
                    session_type: Some(SessionType::Document),
                    client_reference_id: Some(format!("ref_{}", i % 500)),
                    ..Default::default()
                },
                i % 2 == 0,
                1_700_000_000_000 + i * 1_000,
            )
            .unwrap();
            tx.insert_session(&session).await.unwrap();
        }
        tx.commit().await.unwrap();
        store.analyze().await.unwrap();
    }
    (store, dir)
}

#[tokio::test]
async fn every_filter_combination_uses_an_index_and_no_sort() {
    let (store, dir) = store().await;
    let base = SessionQuery {
        livemode: false,
        limit: 10,
        ..Default::default()
    };
    let queries = vec![
        base.clone(),
        SessionQuery {
            status: Some("verified".into()),
            ..base.clone()
        },
        SessionQuery {
            client_reference_id: Some("r".into()),
            ..base.clone()
        },
        SessionQuery {
            related_customer: Some("cus_1".into()),
            ..base.clone()
        },
        SessionQuery {
            related_customer_account: Some("acct_1".into()),
            ..base.clone()
        },
        SessionQuery {
            created: CreatedRange {
                gte: Some(1),
                lt: Some(5),
                ..Default::default()
            },
            ..base.clone()
        },
        SessionQuery {
            status: Some("canceled".into()),
            cursor: Some(Cursor::StartingAfter("vs_x".into())),
            ..base.clone()
        },
        SessionQuery {
            cursor: Some(Cursor::EndingBefore("vs_x".into())),
            ..base.clone()
        },
    ];
    for query in queries {
        let plan = store.explain_session_list(&query).await.unwrap();
        let text = plan.join(" | ");
        match store.backend() {
            Backend::Sqlite => {
                assert!(
                    text.contains("USING INDEX") || text.contains("USING COVERING INDEX"),
                    "{query:?}: {text}"
                );
                assert!(!text.contains("TEMP B-TREE"), "{query:?} sorts: {text}");
            }
            Backend::Postgres => {
                assert!(text.contains("Index Scan"), "{query:?}: {text}");
                assert!(!text.contains("Seq Scan"), "{query:?} scans: {text}");
                assert!(!text.contains("Sort"), "{query:?} sorts: {text}");
            }
        }
    }
    store.close().await;
    verifyd_store::testing::drop_database_of(dir.path()).await;
}
