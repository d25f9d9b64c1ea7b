//! Every class of bad input gets Stripe's error object with the right status, type, code
//! and param — and never a 500 or a partial write.

use crate::common::*;

const SESSIONS: &str = "/v1/identity/verification_sessions";

async fn session_count(app: &TestApp) -> usize {
    app.get(SK_TEST, SESSIONS, &[("limit", "100")]).await.body["data"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn unknown_parameters_are_named_exactly() {
    let app = TestApp::spawn().await;
    let reply = app
        .post(SK_TEST, SESSIONS, &[("type", "document"), ("foo", "bar")])
        .await;
    reply.assert_error(400, Some("foo"));
    assert_eq!(reply.code(), Some("parameter_unknown"));
    assert_eq!(reply.message(), "Received unknown parameter: foo");
    assert_eq!(reply.body["error"]["type"], "invalid_request_error");
    assert_eq!(
        reply.body["error"]["doc_url"],
        "https://stripe.com/docs/error-codes/parameter-unknown"
    );

    let nested = app
        .post(
            SK_TEST,
            SESSIONS,
            &[("type", "document"), ("options[document][foo]", "1")],
        )
        .await;
    nested.assert_error(400, Some("options[document][foo]"));
    let email_option = app
        .post(
            SK_TEST,
            SESSIONS,
            &[
                ("type", "document"),
                ("options[email][require_verification]", "true"),
            ],
        )
        .await;
    email_option.assert_error(400, Some("options[email]"));
    let list = app.get(SK_TEST, SESSIONS, &[("type", "document")]).await;
    list.assert_error(400, Some("type"));
    assert_eq!(session_count(&app).await, 0);
}

#[tokio::test]
async fn type_is_required_and_verification_flows_do_not_exist_yet() {
    let app = TestApp::spawn().await;
    let missing = app.post(SK_TEST, SESSIONS, &[]).await;
    missing.assert_error(400, Some("type"));
    assert_eq!(missing.code(), Some("parameter_missing"));
    assert_eq!(missing.message(), "Missing required param: type.");
    let flow = app
        .post(SK_TEST, SESSIONS, &[("verification_flow", "vf_123")])
        .await;
    flow.assert_error(400, Some("verification_flow"));
    assert_eq!(flow.code(), Some("resource_missing"));
    let bad_type = app
        .post(SK_TEST, SESSIONS, &[("type", "verification_flow")])
        .await;
    bad_type.assert_error(400, Some("type"));
    assert_eq!(
        bad_type.message(),
        "Invalid type: must be one of document or id_number"
    );
}

#[tokio::test]
async fn wrong_types_bad_enums_and_long_strings_name_their_param() {
    let app = TestApp::spawn().await;
    let cases: Vec<(Vec<(&str, String)>, &str)> = vec![
        (
            vec![("options[document][require_id_number]", "maybe".into())],
            "options[document][require_id_number]",
        ),
        (
            vec![
                ("options[document][allowed_types][0]", "passport".into()),
                ("options[document][allowed_types][1]", "visa".into()),
            ],
            "options[document][allowed_types][1]",
        ),
        (
            vec![("options[document][allowed_types]", "passport".into())],
            "options[document][allowed_types]",
        ),
        (vec![("options", "x".into())], "options"),
        (vec![("options[document]", "x".into())], "options[document]"),
        (
            vec![("client_reference_id", "x".repeat(5001))],
            "client_reference_id",
        ),
        (
            vec![("client_reference_id", String::new())],
            "client_reference_id",
        ),
        (
            vec![("related_customer", "x".repeat(5001))],
            "related_customer",
        ),
        (
            vec![("related_customer", "not_a_customer".into())],
            "related_customer",
        ),
        (
            vec![("related_customer_account", "cus_123".into())],
            "related_customer_account",
        ),
        (
            vec![("related_person[account]", "acct_1".into())],
            "related_person[person]",
        ),
        (vec![("related_person", "acct_1".into())], "related_person"),
        (vec![("return_url", "not a url".into())], "return_url"),
        (vec![("expand", "verified_outputs".into())], "expand"),
        (vec![("metadata", "x".into())], "metadata"),
        (vec![("metadata[a][b]", "x".into())], "metadata"),
    ];
    for (pairs, param) in cases {
        let mut all: Vec<(&str, &str)> = vec![("type", "document")];
        all.extend(pairs.iter().map(|(k, v)| (*k, v.as_str())));
        let reply = app.post(SK_TEST, SESSIONS, &all).await;
        reply.assert_error(400, Some(param));
    }
    assert_eq!(session_count(&app).await, 0);
}

#[tokio::test]
async fn metadata_limits_use_stripes_messages() {
    let app = TestApp::spawn().await;
    let keys: Vec<String> = (0..51).map(|i| format!("key{i}")).collect();
    let mut pairs: Vec<(String, &str)> = vec![("type".into(), "document")];
    pairs.extend(keys.iter().map(|k| (format!("metadata[{k}]"), "v")));
    let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let reply = app.post(SK_TEST, SESSIONS, &borrowed).await;
    reply.assert_error(400, Some("metadata"));
    assert!(reply
        .message()
        .starts_with("Metadata can have up to 50 keys, but you've set 51."));

    let long_key = "k".repeat(41);
    let reply = app
        .post(
            SK_TEST,
            SESSIONS,
            &[
                ("type", "document"),
                (&format!("metadata[{long_key}]"), "v"),
            ],
        )
        .await;
    reply.assert_error(400, Some("metadata"));
    assert_eq!(
        reply.message(),
        format!("Invalid key: {long_key} must be a string under 40 characters")
    );
    let long_value = "v".repeat(501);
    let reply = app
        .post(
            SK_TEST,
            SESSIONS,
            &[("type", "document"), ("metadata[k]", &long_value)],
        )
        .await;
    reply.assert_error(400, Some("metadata"));

    // 50 keys on create, then one more on update is refused and nothing changes.
    let fifty: Vec<(String, &str)> = (0..50).map(|i| (format!("metadata[k{i}]"), "v")).collect();
    let mut create: Vec<(&str, &str)> = vec![("type", "document")];
    create.extend(fifty.iter().map(|(k, v)| (k.as_str(), *v)));
    let created = app.post(SK_TEST, SESSIONS, &create).await;
    assert_eq!(created.status, 200);
    let reply = app
        .post(
            SK_TEST,
            &session_path(&created.id()),
            &[("metadata[extra]", "v")],
        )
        .await;
    reply.assert_error(400, Some("metadata"));
    let got = app.get(SK_TEST, &session_path(&created.id()), &[]).await;
    assert_eq!(got.body["metadata"].as_object().unwrap().len(), 50);
}

#[tokio::test]
async fn malformed_bodies_are_400_and_oversized_bodies_413() {
    let app = TestApp::spawn().await;
    let reply = app
        .post_raw(
            SK_TEST,
            SESSIONS,
            "type=document&metadata[a]=%zz".into(),
            None,
        )
        .await;
    reply.assert_error(400, None);
    let reply = app
        .post_raw(SK_TEST, SESSIONS, "type=%ff%fe".into(), None)
        .await;
    reply.assert_error(400, None);
    let reply = app
        .post_raw(SK_TEST, SESSIONS, "type=document&type[x]=1".into(), None)
        .await;
    reply.assert_error(400, Some("type"));
    // A NUL anywhere: refused by name on both backends (PostgreSQL cannot store it).
    for (body, param) in [
        ("type=document&metadata[a]=x%00y", Some("metadata[a]")),
        (
            "type=document&client_reference_id=%00",
            Some("client_reference_id"),
        ),
        (
            "type=document&provided_details[email]=a%00@example.com",
            Some("provided_details[email]"),
        ),
        ("type=document&meta%00data[a]=1", None),
    ] {
        let reply = app.post_raw(SK_TEST, SESSIONS, body.into(), None).await;
        reply.assert_error(400, param);
    }
    let reply = app
        .get(SK_TEST, SESSIONS, &[("ending_before", "vs_\u{0}")])
        .await;
    reply.assert_error(400, Some("ending_before"));
    let json_body = app
        .send(
            app.client
                .post(format!("{}{SESSIONS}", app.base))
                .bearer_auth(SK_TEST)
                .header("Content-Type", "application/json")
                .body(r#"{"type":"document"}"#),
        )
        .await;
    json_body.assert_error(400, None);
    assert!(json_body.message().contains("unsupported Content-Type"));
    let huge = format!(
        "type=document&client_reference_id={}",
        "a".repeat(2 * 1024 * 1024)
    );
    let reply = app.post_raw(SK_TEST, SESSIONS, huge, None).await;
    reply.assert_error(413, None);
    assert_eq!(session_count(&app).await, 0);
}

#[tokio::test]
async fn authentication_failures_use_stripes_401s() {
    let app = TestApp::spawn().await;
    let none = app
        .send(app.client.get(format!("{}{SESSIONS}", app.base)))
        .await;
    none.assert_error(401, None);
    assert!(none
        .message()
        .starts_with("You did not provide an API key."));

    let garbage = app
        .send(
            app.client
                .get(format!("{}{SESSIONS}", app.base))
                .header("Authorization", "Token abc"),
        )
        .await;
    garbage.assert_error(401, None);
    assert!(garbage
        .message()
        .contains("though you did set your Authorization header"));

    let invalid = app.get("sk_test_unknownkey12345678", SESSIONS, &[]).await;
    invalid.assert_error(401, None);
    assert_eq!(
        invalid.message(),
        "Invalid API Key provided: sk_test_**************5678"
    );

    let basic = app
        .send(
            app.client
                .get(format!("{}{SESSIONS}", app.base))
                .basic_auth(SK_TEST, Some("")),
        )
        .await;
    assert_eq!(basic.status, 200);

    let publishable = app.post(PK_TEST, SESSIONS, &[("type", "document")]).await;
    publishable.assert_error(401, None);
    assert_eq!(publishable.code(), Some("secret_key_required"));
    assert_eq!(session_count(&app).await, 0);
}

#[tokio::test]
async fn a_restricted_key_reads_but_cannot_write_by_default() {
    let app = TestApp::spawn().await;
    let id = app.create_session(&[]).await.id();
    assert_eq!(app.get(RK_TEST, &session_path(&id), &[]).await.status, 200);
    assert_eq!(app.get(RK_TEST, SESSIONS, &[]).await.status, 200);
    let reply = app.post(RK_TEST, SESSIONS, &[("type", "document")]).await;
    reply.assert_error(403, None);
    assert!(reply
        .message()
        .contains("does not have the required permissions"));
    assert!(reply
        .message()
        .contains("identity.verification_sessions:write"));
}

#[tokio::test]
async fn unknown_urls_and_methods_are_stripes_404() {
    let app = TestApp::spawn().await;
    let reply = app.get(SK_TEST, "/v1/identity/nope", &[]).await;
    reply.assert_error(404, None);
    assert_eq!(
        reply.message(),
        "Unrecognized request URL (GET: /v1/identity/nope). Please see https://stripe.com/docs or we can help at https://support.stripe.com/."
    );
    let delete = app
        .send(
            app.client
                .delete(format!("{}{}", app.base, session_path("vs_123")))
                .bearer_auth(SK_TEST),
        )
        .await;
    delete.assert_error(404, None);
    let trailing = app
        .get(SK_TEST, "/v1/identity/verification_sessions/", &[])
        .await;
    trailing.assert_error(404, None);
}

#[tokio::test]
async fn reports_list_is_empty_and_unknown_reports_are_404() {
    let app = TestApp::spawn().await;
    let list = app
        .get(SK_TEST, "/v1/identity/verification_reports", &[])
        .await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["object"], "list");
    assert_eq!(list.body["url"], "/v1/identity/verification_reports");
    assert_eq!(list.body["data"].as_array().unwrap().len(), 0);
    let missing = app
        .get(SK_TEST, "/v1/identity/verification_reports/vr_nope", &[])
        .await;
    missing.assert_error(404, Some("id"));
    assert_eq!(missing.message(), "No such VerificationReport: 'vr_nope'");
    let bad_type = app
        .get(
            SK_TEST,
            "/v1/identity/verification_reports",
            &[("type", "verification_flow")],
        )
        .await;
    bad_type.assert_error(400, Some("type"));
}

#[tokio::test]
async fn a_key_over_its_rate_gets_stripes_429_and_other_keys_do_not() {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let app = TestApp::spawn_configured(
        dir,
        Options::default(),
        verifyd_core::clock::ManualClock::starting_now(),
        |config| {
            config.rate_limits = verifyd_server::rate_limit::RateLimits {
                live_per_second: 0,
                test_per_second: 3,
            };
        },
    )
    .await;
    let mut limited = Vec::new();
    for _ in 0..12 {
        let reply = app
            .get(SK_TEST, "/v1/identity/verification_sessions", &[])
            .await;
        if reply.status == 429 {
            limited.push(reply);
        } else {
            assert_eq!(reply.status, 200, "{}", reply.body);
        }
    }
    assert!(limited.len() >= 8, "only {} limited of 12", limited.len());
    let reply = &limited[0];
    assert_eq!(reply.body["error"]["type"], "invalid_request_error");
    assert_eq!(reply.code(), Some("rate_limit"));
    assert_eq!(reply.header("stripe-should-retry"), Some("true"));
    assert_eq!(
        reply.header("stripe-rate-limited-reason"),
        Some("global-rate")
    );
    assert!(reply
        .header("request-id")
        .is_some_and(|id| id.starts_with("req_")));
    // A limited create with an idempotency key saves nothing: the key runs later.
    let limited_create = app
        .post_idempotent(
            SK_TEST,
            "/v1/identity/verification_sessions",
            &[("type", "document")],
            "rate-limited-create",
        )
        .await;
    assert_eq!(limited_create.status, 429);
    // Another key has its own budget; the live key is unlimited here.
    let other = app
        .get(RK_TEST, "/v1/identity/verification_sessions", &[])
        .await;
    assert_eq!(other.status, 200, "{}", other.body);
    let live = app
        .get(SK_LIVE, "/v1/identity/verification_sessions", &[])
        .await;
    assert_eq!(live.status, 200, "{}", live.body);
    // The bucket refills: a second later the key is served again, and the key of the
    // limited create proceeds as a first use.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let created = app
        .post_idempotent(
            SK_TEST,
            "/v1/identity/verification_sessions",
            &[("type", "document")],
            "rate-limited-create",
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(created.header("idempotent-replayed"), None);
}

#[tokio::test]
async fn oversized_urls_and_headers_get_stripe_errors_with_a_request_id() {
    let app = TestApp::spawn().await;
    let long_query = "x".repeat(9 * 1024);
    let reply = app
        .get(
            SK_TEST,
            "/v1/identity/verification_sessions",
            &[("client_reference_id", &long_query)],
        )
        .await;
    assert_eq!(reply.status, 414, "{}", reply.body);
    assert_eq!(reply.body["error"]["type"], "invalid_request_error");
    assert!(reply
        .header("request-id")
        .is_some_and(|id| id.starts_with("req_")));

    let big = "y".repeat(40 * 1024);
    let reply = app
        .send(
            app.client
                .get(format!("{}/v1/identity/verification_sessions", app.base))
                .bearer_auth(SK_TEST)
                .header("X-Padding", big),
        )
        .await;
    assert_eq!(reply.status, 431, "{}", reply.body);
    assert_eq!(reply.body["error"]["type"], "invalid_request_error");
    assert!(reply.header("request-id").is_some());
}

#[tokio::test]
async fn a_connection_that_stalls_in_its_request_head_or_idles_is_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let app = TestApp::spawn_configured(
        dir,
        Options::default(),
        verifyd_core::clock::ManualClock::starting_now(),
        |config| {
            config.http_timeouts.header_read = std::time::Duration::from_secs(1);
        },
    )
    .await;
    let address = app.base.trim_start_matches("http://").to_owned();
    let closed_within = |mut stream: tokio::net::TcpStream| async move {
        let started = std::time::Instant::now();
        let mut buf = [0u8; 4096];
        loop {
            match tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut buf))
                .await
            {
                Ok(Ok(0)) | Ok(Err(_)) => return started.elapsed(),
                Ok(Ok(_)) => continue, // a response (a 408, or the previous request's)
                Err(_) => panic!("the connection was still open after 10 s"),
            }
        }
    };

    // Slowloris: half a request head, then nothing.
    let mut stalled = tokio::net::TcpStream::connect(&address).await.unwrap();
    stalled
        .write_all(b"GET /v1/identity/verification_sessions HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    closed_within(stalled).await;

    // An idle kept-alive connection, after one complete request.
    let mut idle = tokio::net::TcpStream::connect(&address).await.unwrap();
    idle.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).await.unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    closed_within(idle).await;

    // The server still serves.
    let reply = app
        .get(SK_TEST, "/v1/identity/verification_sessions", &[])
        .await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn every_byte_in_every_parameter_gets_a_200_or_a_400_never_a_500() {
    let app = TestApp::spawn().await;
    let path = "/v1/identity/verification_sessions";
    for byte in 0u8..=255 {
        let e = format!("%{byte:02X}");
        let bodies = [
            format!("type=document&metadata[k]=a{e}b"),
            format!("type=document&metadata[k{e}]=v"),
            format!("type=document&client_reference_id=a{e}b"),
            format!("type=document&provided_details[email]=a{e}@example.com"),
            format!("type=document&provided_details[phone]=%2B1555{e}"),
            format!("type=document&related_customer=cus_{e}"),
            format!("type=document&options[document][allowed_types][]={e}"),
            format!("type={e}"),
            format!("type=document&return_url=https://example.com/{e}"),
        ];
        for body in bodies {
            let reply = app.post_raw(SK_TEST, path, body.clone(), None).await;
            assert!(
                reply.status == 200 || reply.status == 400,
                "{body}: {} {}",
                reply.status,
                reply.body
            );
            assert!(reply.body["error"].is_null() || reply.body["error"]["type"].is_string());
        }
    }
    // Updates too, on one session.
    let id = app.create_session(&[]).await.id();
    for byte in 0u8..=255 {
        let body = format!("metadata[k]=%{byte:02X}&client_reference_id=%{byte:02X}");
        let reply = app.post_raw(SK_TEST, &session_path(&id), body, None).await;
        assert!(reply.status == 200 || reply.status == 400, "{}", reply.body);
    }
}
