//! Several real verifyd processes on one PostgreSQL database behave as one service: an
//! idempotency key is honoured whichever process each request reaches; every job
//! (processing a submission from the hosted page, finishing a redaction) and every webhook
//! delivery is done once although several processes claim work; lists and events
//! read the same from any process; and work a process held when it was killed with SIGKILL
//! is finished by another once its lease expires.
//!
//! These tests always use PostgreSQL (`VERIFYD_TEST_POSTGRES`, default the machine's
//! server), each on a database of its own, dropped at the end.

use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_verifyd");
const KEY: &str = "sk_test_multiprocess0000000000001";
/// The master key every process of these tests shares (not a secret).
const MASTER_KEY: &str = "dGVzdC1tYXN0ZXIta2V5LTMyLWJ5dGVzLWxvbmcuLi4=";

/// A database of the test's own, dropped when the test ends (also when it fails).
struct Database {
    name: String,
    url: String,
}

impl Database {
    async fn create() -> Self {
        let name = verifyd_store::testing::create_database().await;
        let url = format!("{}/{name}", verifyd_store::testing::postgres_server());
        Self { name, url }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(verifyd_store::testing::drop_database(&name));
            }
        })
        .join();
    }
}

/// One verifyd process; SIGKILLed when dropped.
struct Process {
    child: Child,
    base: Option<String>,
}

impl Process {
    fn base(&self) -> &str {
        self.base.as_deref().expect("an API process")
    }

    fn kill_9(&mut self) {
        let _ = self.child.kill(); // SIGKILL: no shutdown, no lease released
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill_9();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn command(db: &Database, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .args(["--database", &db.url])
        .env("VERIFYD_API_KEYS", KEY)
        // Every process of the service shares the master key (not a secret here).
        .env("VERIFYD_MASTER_KEY", MASTER_KEY)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// `verifyd serve` with `extra` arguments, once it answers.
async fn serve(db: &Database, extra: &[&str]) -> Process {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut args = vec!["serve", "--listen", &listen];
    args.extend_from_slice(extra);
    let child = command(db, &args).spawn().expect("serve starts");
    let base = format!("http://{listen}");
    let started = Instant::now();
    loop {
        if let Ok(r) = reqwest::get(format!("{base}/")).await {
            if r.status() == 200 {
                break;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(30), "serve came up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Process {
        child,
        base: Some(base),
    }
}

/// `verifyd worker` with `extra` arguments.
fn worker(db: &Database, extra: &[&str]) -> Process {
    let mut args = vec!["worker"];
    args.extend_from_slice(extra);
    Process {
        child: command(db, &args).spawn().expect("worker starts"),
        base: None,
    }
}

async fn post(base: &str, path: &str, form: &[(&str, &str)], key: Option<&str>) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .bearer_auth(KEY)
        .form(form);
    if let Some(k) = key {
        request = request.header("Idempotency-Key", k);
    }
    let r = request.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn get(base: &str, path: &str) -> Value {
    let r = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "GET {path}");
    r.json().await.unwrap()
}

/// Every object of a list, paging with `limit`, each page asked of the next process in turn.
async fn list_all(bases: &[&str], path: &str, limit: usize) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    let mut page = 0;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut url = format!("{path}{sep}limit={limit}");
        if let Some(last) = out.last() {
            url.push_str(&format!("&starting_after={}", last["id"].as_str().unwrap()));
        }
        let body = get(bases[page % bases.len()], &url).await;
        out.extend(body["data"].as_array().unwrap().iter().cloned());
        page += 1;
        if body["has_more"] != Value::Bool(true) {
            return out;
        }
    }
}

/// A webhook receiver on loopback that records each event id it is sent. With `hold_first`
/// the first request is never answered (its sender is meant to die holding it).
struct Receiver {
    url: String,
    hits: Arc<Mutex<Vec<String>>>,
}

fn receiver(hold_first: bool) -> Receiver {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/webhook", listener.local_addr().unwrap());
    let hits = Arc::new(Mutex::new(Vec::new()));
    let sink = hits.clone();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { continue };
            let sink = sink.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                let event: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                sink.lock()
                    .unwrap()
                    .push(event["id"].as_str().unwrap_or("?").to_owned());
                if hold_first && n == 0 {
                    std::thread::sleep(Duration::from_secs(60));
                    return;
                }
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                );
            });
        }
    });
    Receiver { url, hits }
}

impl Receiver {
    fn hits(&self) -> Vec<String> {
        self.hits.lock().unwrap().clone()
    }
}

async fn wait_until<F: AsyncFn() -> bool>(what: &str, limit: Duration, condition: F) {
    let started = Instant::now();
    while !condition().await {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What an end user does on the hosted page: open the session's `url`, accept consent,
/// pick the test outcome "verified". Returns once the submission is accepted (the session
/// is then `processing`, with a job queued).
async fn submit_through_hosted_page(base: &str, session: &Value) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut cookies: Vec<(String, String)> = Vec::new();
    let mut send = async |request: reqwest::RequestBuilder| {
        let header = cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let response = request.header("Cookie", header).send().await.unwrap();
        for set in response.headers().get_all("set-cookie") {
            let pair = set.to_str().unwrap().split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            cookies.retain(|(n, _)| n != name);
            cookies.push((name.to_owned(), value.to_owned()));
        }
        let location = response
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        (
            response.status().as_u16(),
            location,
            response.text().await.unwrap(),
        )
    };
    let csrf = |body: &str| {
        let marker = "name=\"csrf_token\" value=\"";
        let start = body.find(marker).expect("a form") + marker.len();
        body[start..start + body[start..].find('"').unwrap()].to_owned()
    };
    let id = session["id"].as_str().unwrap();
    let (status, location, _) = send(client.get(session["url"].as_str().unwrap())).await;
    assert_eq!(status, 303);
    let (_, _, consent) = send(client.get(format!("{base}{}", location.unwrap()))).await;
    let (status, location, _) = send(client.post(format!("{base}/verify/s/{id}/consent")).form(&[
        ("csrf_token", csrf(&consent).as_str()),
        ("decision", "accept"),
    ]))
    .await;
    assert_eq!(status, 303);
    let (_, _, step) = send(client.get(format!("{base}{}", location.unwrap()))).await;
    let (status, location, body) = send(
        client
            .post(format!("{base}/verify/s/{id}/test-outcome"))
            .form(&[
                ("csrf_token", csrf(&step).as_str()),
                ("outcome", "verified"),
            ]),
    )
    .await;
    assert_eq!(status, 303, "{body}");
    assert!(location.unwrap().contains("/end/submitted"));
}

async fn add_endpoint(base: &str, url: &str) {
    let (status, body) = post(
        base,
        "/v1/webhook_endpoints",
        &[
            ("url", url),
            ("enabled_events[]", "*"),
            ("enabled_events[]", "identity.verification_session.redacted"),
        ],
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_idempotent_request_sent_to_two_processes_at_once_creates_one_session() {
    let db = Database::create().await;
    let a = serve(&db, &[]).await;
    let b = serve(&db, &[]).await;
    let path = "/v1/identity/verification_sessions";
    let mut ids = HashSet::new();
    for round in 0..12 {
        let key = format!("multi-process-{round}");
        let form = [("type", "document"), ("metadata[round]", "x")];
        let (first, second) = tokio::join!(
            post(a.base(), path, &form, Some(&key)),
            post(b.base(), path, &form, Some(&key))
        );
        let mut round_ids = HashSet::new();
        for (status, body) in [&first, &second] {
            match status {
                200 => {
                    round_ids.insert(body["id"].as_str().unwrap().to_owned());
                }
                409 => assert_eq!(body["error"]["code"], "idempotency_key_in_use", "{body}"),
                other => panic!("unexpected {other}: {body}"),
            }
        }
        assert!(
            round_ids.len() <= 1,
            "two sessions for one key: {round_ids:?}"
        );
        // Once settled, both processes replay the one response.
        let (_, again_a) = post(a.base(), path, &form, Some(&key)).await;
        let (_, again_b) = post(b.base(), path, &form, Some(&key)).await;
        assert_eq!(again_a["id"], again_b["id"]);
        if let Some(id) = round_ids.iter().next() {
            assert_eq!(again_a["id"].as_str(), Some(id.as_str()));
        }
        ids.insert(again_a["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), 12);
    let stored = list_all(&[a.base(), b.base()], path, 5).await;
    assert_eq!(stored.len(), 12, "exactly one session per key");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_job_and_delivery_is_done_once_and_lists_agree_whichever_process_answers() {
    let db = Database::create().await;
    // An API-only process, an API process with workers, and two worker-only processes.
    let a = serve(&db, &["--no-worker"]).await;
    let b = serve(&db, &[]).await;
    let _w1 = worker(&db, &[]);
    let _w2 = worker(&db, &[]);
    let hook = receiver(false);
    add_endpoint(a.base(), &hook.url).await;

    let sessions_path = "/v1/identity/verification_sessions";
    let mut ids = Vec::new();
    for i in 0..16 {
        let base = if i % 2 == 0 { a.base() } else { b.base() };
        let (status, body) = post(base, sessions_path, &[("type", "document")], None).await;
        assert_eq!(status, 200, "{body}");
        ids.push(body["id"].as_str().unwrap().to_owned());
    }
    // Redaction: answered at once, finished by whichever worker claims the job.
    for (i, id) in ids.iter().enumerate() {
        let base = if i % 2 == 0 { b.base() } else { a.base() };
        let (status, body) = post(base, &format!("{sessions_path}/{id}/redact"), &[], None).await;
        assert_eq!(status, 200, "{body}");
    }
    wait_until(
        "every redaction to finish",
        Duration::from_secs(60),
        async || {
            let all = list_all(&[a.base()], sessions_path, 100).await;
            all.iter().all(|s| s["redaction"]["status"] == "redacted")
        },
    )
    .await;

    // Events: each session created, canceled (by its redaction) and redacted exactly once.
    let events = list_all(&[a.base(), b.base()], "/v1/events", 7).await;
    let mut per_session: BTreeMap<(String, String), usize> = BTreeMap::new();
    for e in &events {
        let session = e["data"]["object"]["id"].as_str().unwrap().to_owned();
        let kind = e["type"].as_str().unwrap().to_owned();
        *per_session.entry((session, kind)).or_default() += 1;
    }
    for id in &ids {
        for kind in ["created", "canceled", "redacted"] {
            let kind = format!("identity.verification_session.{kind}");
            assert_eq!(
                per_session.get(&(id.clone(), kind.clone())),
                Some(&1),
                "{kind} of {id}"
            );
        }
    }
    assert_eq!(events.len(), ids.len() * 3);

    // Each event delivered once, although four processes run delivery workers.
    wait_until("every delivery", Duration::from_secs(60), async || {
        hook.hits().len() >= events.len()
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let hits = hook.hits();
    let distinct: HashSet<_> = hits.iter().collect();
    assert_eq!(distinct.len(), events.len());
    assert_eq!(hits.len(), events.len(), "no event delivered twice");
    wait_until(
        "pending_webhooks to settle",
        Duration::from_secs(30),
        async || {
            let settled = list_all(&[b.base()], "/v1/events?delivery_success=true", 100).await;
            settled.len() == events.len()
        },
    )
    .await;

    // Pagination agrees whichever process serves each page, in both directions.
    let whole = list_all(&[b.base()], sessions_path, 100).await;
    let alternating = list_all(&[a.base(), b.base()], sessions_path, 3).await;
    let ids_of = |v: &[Value]| v.iter().map(|s| s["id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids_of(&whole), ids_of(&alternating));
    let last = whole.last().unwrap()["id"].as_str().unwrap();
    let before = get(
        a.base(),
        &format!("{sessions_path}?limit=4&ending_before={last}"),
    )
    .await;
    let expected: Vec<Value> = ids_of(&whole[whole.len() - 5..whole.len() - 1]);
    assert_eq!(ids_of(before["data"].as_array().unwrap()), expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submissions_queued_by_an_api_only_process_are_processed_once_by_worker_processes() {
    let db = Database::create().await;
    let a = serve(&db, &["--no-worker"]).await;
    let _w1 = worker(&db, &["--public-url", a.base()]);
    let _w2 = worker(&db, &["--public-url", a.base()]);
    let path = "/v1/identity/verification_sessions";
    let mut ids = Vec::new();
    for _ in 0..10 {
        let (status, session) = post(a.base(), path, &[("type", "document")], None).await;
        assert_eq!(status, 200, "{session}");
        submit_through_hosted_page(a.base(), &session).await;
        ids.push(session["id"].as_str().unwrap().to_owned());
    }
    wait_until(
        "every submission to be processed",
        Duration::from_secs(60),
        async || {
            let all = list_all(&[a.base()], path, 100).await;
            all.iter().all(|s| s["status"] == "verified")
        },
    )
    .await;
    // Each processing job ran once: one report and one `verified` event per session.
    let verified = list_all(
        &[a.base()],
        "/v1/events?type=identity.verification_session.verified",
        100,
    )
    .await;
    for id in &ids {
        let reports = list_all(
            &[a.base()],
            &format!("/v1/identity/verification_reports?verification_session={id}"),
            100,
        )
        .await;
        assert_eq!(reports.len(), 1, "reports of {id}");
        let events = verified
            .iter()
            .filter(|e| e["data"]["object"]["id"] == id.as_str())
            .count();
        assert_eq!(events, 1, "verified events of {id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_held_by_a_killed_process_is_finished_by_another_after_its_lease() {
    let db = Database::create().await;
    let leases = [
        "--webhook-timeout",
        "5",
        "--webhook-lease",
        "6",
        // The shortest lease a 1 s check budget allows: 2 × 2 × (1 s + 0.5 s) + 1 s (the
        // first reading and a closer look, each waiting for a thread and reading).
        "--job-lease",
        "7",
        "--document-check-budget",
        "1",
    ];
    // The first delivery attempt hangs at the receiver; its sender is SIGKILLed mid-attempt.
    let hook = receiver(true);
    let mut a = serve(&db, &leases).await;
    add_endpoint(a.base(), &hook.url).await;
    let path = "/v1/identity/verification_sessions";
    let (_, first) = post(a.base(), path, &[("type", "document")], None).await;
    let first_id = first["id"].as_str().unwrap().to_owned();
    wait_until(
        "the first attempt to reach the receiver",
        Duration::from_secs(20),
        async || !hook.hits().is_empty(),
    )
    .await;
    // Redactions queued and the process killed at once: some of their jobs may be claimed
    // and unfinished when it dies.
    let mut redacted = Vec::new();
    for _ in 0..6 {
        let (_, s) = post(a.base(), path, &[("type", "document")], None).await;
        let id = s["id"].as_str().unwrap().to_owned();
        let (status, body) = post(a.base(), &format!("{path}/{id}/redact"), &[], None).await;
        assert_eq!(status, 200, "{body}");
        redacted.push(id);
    }
    a.kill_9();

    // Another process takes over once the leases run out.
    let _w = worker(&db, &leases);
    let c = serve(&db, &["--no-worker"]).await;
    wait_until(
        "the redactions to finish",
        Duration::from_secs(60),
        async || {
            let all = list_all(&[c.base()], path, 100).await;
            all.iter()
                .filter(|s| redacted.iter().any(|id| s["id"] == id.as_str()))
                .all(|s| s["redaction"]["status"] == "redacted")
        },
    )
    .await;
    let created_event = list_all(
        &[c.base()],
        "/v1/events?type=identity.verification_session.created",
        100,
    )
    .await
    .into_iter()
    .find(|e| e["data"]["object"]["id"] == first_id.as_str())
    .expect("created event of the first session");
    let event_id = created_event["id"].as_str().unwrap().to_owned();
    wait_until(
        "the held delivery to be sent again",
        Duration::from_secs(60),
        async || hook.hits().iter().filter(|h| **h == event_id).count() >= 2,
    )
    .await;
    wait_until(
        "the held delivery to settle",
        Duration::from_secs(30),
        async || get(c.base(), &format!("/v1/events/{event_id}")).await["pending_webhooks"] == 0,
    )
    .await;
    // Each redaction finished once.
    let redacted_events = list_all(
        &[c.base()],
        "/v1/events?type=identity.verification_session.redacted",
        100,
    )
    .await;
    for id in &redacted {
        let n = redacted_events
            .iter()
            .filter(|e| e["data"]["object"]["id"] == id.as_str())
            .count();
        assert_eq!(n, 1, "redacted event of {id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_forwards_an_event_that_commits_behind_a_newer_one() {
    use verifyd_core::session::{NewSession, SessionType, VerificationSession};
    use verifyd_core::Clock;
    let db = Database::create().await;
    let api = serve(&db, &["--no-worker"]).await;
    let hook = receiver(false);
    let mut listen = Process {
        child: Command::new(BIN)
            .args(["listen", "--forward-to", &hook.url, "--api-key", KEY])
            .args(["--api-base", api.base(), "--poll-interval-ms", "50"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("listen starts"),
        base: None,
    };
    // Wait for "Ready!" before making events.
    {
        let stdout = listen.child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let ready = lines.next().unwrap().unwrap();
        assert!(ready.starts_with("Ready!"), "{ready}");
        std::thread::spawn(move || for _ in lines {});
    }

    // Another process's transaction writes event A and holds it uncommitted…
    let mut options = verifyd_store::StoreOptions::new(db.url.clone());
    options.master_key = verifyd_store::MasterKeySource::Value(MASTER_KEY.into());
    let store = verifyd_store::Store::connect(&options).await.unwrap();
    let late_session = VerificationSession::create(
        NewSession {
            session_type: Some(SessionType::Document),
            ..Default::default()
        },
        false,
        verifyd_core::SystemClock.now_millis(),
    )
    .unwrap();
    let late_event = verifyd_store::StoredEvent {
        id: "evt_committedlate0000000001".into(),
        livemode: false,
        created: late_session.created,
        event_type: "identity.verification_session.created".into(),
        pending_webhooks: 0,
        failed_webhooks: 0,
        body: serde_json::json!({
            "id": "evt_committedlate0000000001",
            "object": "event",
            "created": late_session.created,
            "livemode": false,
            "type": "identity.verification_session.created",
            "data": {"object": {"id": late_session.id.as_str()}},
        })
        .to_string(),
    };
    let mut held = store.begin().await.unwrap();
    held.insert_session(&late_session).await.unwrap();
    held.insert_event(&late_event, late_session.id.as_str(), &[], 0)
        .await
        .unwrap();

    // …while the API commits a newer event B, which the listener forwards.
    let created = reqwest::Client::new()
        .post(format!("{}/v1/identity/verification_sessions", api.base()))
        .bearer_auth(KEY)
        .form(&[("type", "document")])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    wait_until(
        "the newer event forwarded",
        Duration::from_secs(20),
        async || hook.hits().len() == 1,
    )
    .await;

    // Then A commits, behind the listener's cursor: it must still be forwarded, once.
    held.commit().await.unwrap();
    wait_until(
        "the late event forwarded",
        Duration::from_secs(20),
        async || {
            hook.hits()
                .contains(&"evt_committedlate0000000001".to_owned())
        },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let hits = hook.hits();
    assert_eq!(hits.len(), 2, "each event once: {hits:?}");
    listen.kill_9();
    store.close().await;
}
