//! Lists: newest first, limits, both cursors, filters, and pages that stay stable while
//! new sessions are being created.

use crate::common::*;
use crate::sessions::force_status;
use serde_json::Value;
use std::collections::HashSet;
use verifyd_core::session::SessionStatus;

const SESSIONS: &str = "/v1/identity/verification_sessions";

fn ids(reply: &Reply) -> Vec<String> {
    reply.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn lists_are_newest_first_with_limit_and_has_more() {
    let app = TestApp::spawn().await;
    let mut created = Vec::new();
    for _ in 0..12 {
        created.push(app.create_session(&[]).await.id());
    }
    created.reverse();
    let first = app.get(SK_TEST, SESSIONS, &[]).await;
    assert_eq!(first.body["object"], "list");
    assert_eq!(first.body["url"], SESSIONS);
    assert_eq!(first.body["has_more"], true);
    assert_eq!(ids(&first), created[..10].to_vec());
    let all = app.get(SK_TEST, SESSIONS, &[("limit", "100")]).await;
    assert_eq!(all.body["has_more"], false);
    assert_eq!(ids(&all), created);
}

#[tokio::test]
async fn paging_forward_and_backward_visits_every_session_once_despite_concurrent_inserts() {
    let app = TestApp::spawn().await;
    let mut original = Vec::new();
    for _ in 0..25 {
        original.push(app.create_session(&[]).await.id());
    }
    original.reverse();

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        // Someone creates sessions between page fetches: pages must not shift.
        app.create_session(&[]).await;
        app.create_session(&[]).await;
        let mut pairs = vec![("limit", "7".to_owned())];
        if let Some(c) = &cursor {
            pairs.push(("starting_after", c.clone()));
        }
        let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = app.get(SK_TEST, SESSIONS, &borrowed).await;
        let page_ids = ids(&page);
        seen.extend(page_ids.iter().cloned());
        if page.body["has_more"] == false {
            break;
        }
        cursor = page_ids.last().cloned();
        if cursor.is_none() {
            break;
        }
    }
    let original_set: HashSet<&String> = original.iter().collect();
    let seen_original: Vec<String> = seen
        .iter()
        .filter(|id| original_set.contains(id))
        .cloned()
        .collect();
    assert_eq!(
        seen_original, original,
        "each original session once, in order"
    );
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no duplicates");

    // Backwards from the oldest session.
    let oldest = original.last().unwrap();
    let before = app
        .get(
            SK_TEST,
            SESSIONS,
            &[("ending_before", oldest.as_str()), ("limit", "3")],
        )
        .await;
    assert_eq!(
        ids(&before),
        original[original.len() - 4..original.len() - 1].to_vec()
    );
    assert_eq!(before.body["has_more"], true);
}

#[tokio::test]
async fn list_parameter_errors() {
    let app = TestApp::spawn().await;
    for limit in ["0", "101", "-1"] {
        app.get(SK_TEST, SESSIONS, &[("limit", limit)])
            .await
            .assert_error(400, Some("limit"));
    }
    let reply = app.get(SK_TEST, SESSIONS, &[("limit", "ten")]).await;
    reply.assert_error(400, Some("limit"));
    assert_eq!(reply.code(), Some("parameter_invalid_integer"));
    let both = app
        .get(
            SK_TEST,
            SESSIONS,
            &[("starting_after", "vs_a"), ("ending_before", "vs_b")],
        )
        .await;
    both.assert_error(400, None);
    assert_eq!(
        both.message(),
        "Received both starting_after and ending_before parameters. Please pass in only one."
    );
    let unknown = app
        .get(SK_TEST, SESSIONS, &[("starting_after", "vs_nope")])
        .await;
    unknown.assert_error(400, Some("starting_after"));
    assert_eq!(unknown.code(), Some("resource_missing"));
    app.get(SK_TEST, SESSIONS, &[("status", "done")])
        .await
        .assert_error(400, Some("status"));
    app.get(SK_TEST, SESSIONS, &[("created[after]", "1")])
        .await
        .assert_error(400, Some("created[after]"));
    app.get(SK_TEST, SESSIONS, &[("created[gt]", "x")])
        .await
        .assert_error(400, Some("created[gt]"));
}

#[tokio::test]
async fn filters_select_by_status_reference_customer_account_and_created() {
    let app = TestApp::spawn().await;
    let a = app
        .create_session(&[
            ("client_reference_id", "ref_a"),
            ("related_customer", "cus_A"),
        ])
        .await;
    let b = app
        .create_session(&[("related_customer_account", "acct_B")])
        .await;
    let c = app.create_session(&[]).await.id();
    force_status(&app, false, &c, SessionStatus::Verified, None).await;

    let by = |pairs: &'static [(&'static str, &'static str)]| {
        let app = &app;
        async move { ids(&app.get(SK_TEST, SESSIONS, pairs).await) }
    };
    assert_eq!(by(&[("client_reference_id", "ref_a")]).await, vec![a.id()]);
    assert_eq!(by(&[("related_customer", "cus_A")]).await, vec![a.id()]);
    assert_eq!(
        by(&[("related_customer_account", "acct_B")]).await,
        vec![b.id()]
    );
    assert_eq!(by(&[("status", "verified")]).await, vec![c.clone()]);
    assert_eq!(
        by(&[("status", "requires_input")]).await,
        vec![b.id(), a.id()]
    );
    assert!(by(&[("status", "canceled")]).await.is_empty());

    let created = a.body["created"].as_i64().unwrap();
    let exact = created.to_string();
    let all = app.get(SK_TEST, SESSIONS, &[("created", &exact)]).await;
    assert_eq!(ids(&all).len(), 3);
    let later = (created + 1).to_string();
    let none = app
        .get(SK_TEST, SESSIONS, &[("created[gte]", &later)])
        .await;
    assert!(ids(&none).is_empty());
    let range = app
        .get(
            SK_TEST,
            SESSIONS,
            &[
                ("created[gt]", &(created - 1).to_string()),
                ("created[lt]", &later),
            ],
        )
        .await;
    assert_eq!(ids(&range).len(), 3);
    let _: Value = range.body;
}
