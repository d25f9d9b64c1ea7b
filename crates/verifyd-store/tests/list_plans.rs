//! Every session list is served by an index that yields rows already in (created, seq)
//! order: SQLite never scans the table nor sorts it, so a page costs the same at ten
//! sessions as at ten million.

use verifyd_store::{CreatedRange, Cursor, SessionQuery, Store, StoreOptions};

async fn store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("plans.db").display());
    (Store::connect(&StoreOptions::new(url)).await.unwrap(), dir)
}

#[tokio::test]
async fn every_filter_combination_uses_an_index_and_no_sort() {
    let (store, _dir) = store().await;
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
        assert!(
            text.contains("USING INDEX") || text.contains("USING COVERING INDEX"),
            "{query:?}: {text}"
        );
        assert!(!text.contains("TEMP B-TREE"), "{query:?} sorts: {text}");
    }
}
