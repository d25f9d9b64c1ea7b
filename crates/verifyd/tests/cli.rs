//! The `verifyd` binary as an operator uses it: `keys create` prints exactly one key on
//! stdout, `migrate` prepares a database, and `serve` accepts the keys so made, in their
//! mode only.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_verifyd");

/// The test's database: `verifyd.db` in `dir`, or its own PostgreSQL database when the run
/// uses PostgreSQL (`VERIFYD_TEST_DATABASE=postgres`; swept by `scripts/test`).
fn database_url(dir: &Path) -> String {
    let dir = dir.to_owned();
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(verifyd_store::testing::database_url(&dir))
    })
    .join()
    .unwrap()
}

fn create_key(dir: &Path, args: &[&str]) -> std::process::Output {
    verifyd_command()
        .args(["keys", "create", "--database", &database_url(dir)])
        .args(args)
        .env_remove("VERIFYD_DATABASE_URL")
        .output()
        .expect("verifyd runs")
}

fn one_key(dir: &Path, args: &[&str]) -> String {
    let out = create_key(dir, args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "stdout must hold exactly the key: {stdout:?}"
    );
    let key = lines[0].to_owned();
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains(&key),
        "the key must not be logged"
    );
    key
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The verifyd binary, sharing one master key across every command of the run when the
/// tests use PostgreSQL (which has no default key file); on SQLite each database's key
/// file sits beside it, the default.
fn verifyd_command() -> Command {
    let mut command = Command::new(BIN);
    if verifyd_store::testing::use_postgres() {
        command.env("VERIFYD_MASTER_KEY", TEST_MASTER_KEY);
    }
    command
}

/// A fixed master key for the PostgreSQL runs of these tests (not a secret).
const TEST_MASTER_KEY: &str = "dGVzdC1tYXN0ZXIta2V5LTMyLWJ5dGVzLWxvbmcuLi4=";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn serve(dir: &Path, env: &[(&str, &str)]) -> Server {
    serve_on(dir, env, free_port()).await
}

async fn serve_on(dir: &Path, env: &[(&str, &str)], port: u16) -> Server {
    let child = verifyd_command()
        .args([
            "serve",
            "--database",
            &database_url(dir),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .envs(env.iter().copied())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let base = format!("http://127.0.0.1:{port}");
    let server = Server { child, base };
    let started = Instant::now();
    loop {
        if let Ok(r) = reqwest::get(format!("{}/", server.base)).await {
            if r.status() == 200 {
                return server;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not come up"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn create_session(base: &str, key: &str) -> (u16, serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}/v1/identity/verification_sessions"))
        .bearer_auth(key)
        .form(&[("type", "document")])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[test]
fn keys_create_prints_one_key_of_the_requested_kind_and_mode() {
    let dir = tempfile::tempdir().unwrap();
    for (args, prefix) in [
        (vec!["--mode", "test"], "sk_test_"),
        (vec!["--mode", "live"], "sk_live_"),
        (vec!["--mode", "test", "--type", "restricted"], "rk_test_"),
        (vec!["--mode", "live", "--type", "restricted"], "rk_live_"),
        (vec!["--mode", "test", "--type", "publishable"], "pk_test_"),
    ] {
        let key = one_key(dir.path(), &args);
        assert!(key.starts_with(prefix), "{key} for {args:?}");
        assert!(key.len() > prefix.len() + 40);
    }
    let key = one_key(dir.path(), &["--mode", "test"]);
    let needle = key.as_bytes();
    for file in ["verifyd.db", "verifyd.db-wal"] {
        let bytes = std::fs::read(dir.path().join(file)).unwrap_or_default();
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "keys are stored hashed, never in plain text"
        );
    }
}

#[test]
fn keys_create_refuses_bad_arguments_without_printing_a_key() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["--mode", "staging"],
        vec![
            "--mode",
            "test",
            "--type",
            "restricted",
            "--permissions",
            "everything",
        ],
        vec![
            "--mode",
            "test",
            "--permissions",
            "identity.verification_sessions:read",
        ],
    ] {
        let out = create_key(dir.path(), &args);
        assert!(!out.status.success(), "{args:?} should fail");
        assert!(out.stdout.is_empty());
    }
}

#[tokio::test]
async fn migrate_creates_and_upgrades_a_database() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let out = verifyd_command()
            .args(["migrate", "--database", &database_url(dir.path())])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The schema is complete: a server told not to migrate works on it.
    let key = "sk_test_migrated0000000000000001";
    let port = free_port();
    let child = verifyd_command()
        .args([
            "serve",
            "--no-migrate",
            "--database",
            &database_url(dir.path()),
        ])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("VERIFYD_API_KEYS", key)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let started = Instant::now();
    while reqwest::get(format!("{}/", server.base)).await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(30));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, body) = create_session(&server.base, key).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn serve_accepts_cli_keys_in_their_mode_and_configured_keys() {
    let dir = tempfile::tempdir().unwrap();
    let test_key = one_key(dir.path(), &["--mode", "test"]);
    let live_key = one_key(dir.path(), &["--mode", "live"]);
    let writer = one_key(
        dir.path(),
        &[
            "--mode",
            "test",
            "--type",
            "restricted",
            "--permissions",
            "identity.verification_sessions:read,identity.verification_sessions:write",
        ],
    );
    let reader = one_key(dir.path(), &["--mode", "test", "--type", "restricted"]);
    let configured = "sk_test_configured000000000001";
    let server = serve(dir.path(), &[("VERIFYD_API_KEYS", configured)]).await;

    let (status, session) = create_session(&server.base, &test_key).await;
    assert_eq!(status, 200);
    assert_eq!(session["livemode"], false);
    let (status, live) = create_session(&server.base, &live_key).await;
    assert_eq!(status, 200);
    assert_eq!(live["livemode"], true);
    assert_eq!(create_session(&server.base, &writer).await.0, 200);
    assert_eq!(create_session(&server.base, &reader).await.0, 403);
    assert_eq!(create_session(&server.base, configured).await.0, 200);
    assert_eq!(
        create_session(&server.base, "sk_test_notconfigured00000001")
            .await
            .0,
        401
    );

    let r = reqwest::Client::new()
        .get(format!(
            "{}/v1/identity/verification_sessions/{}",
            server.base,
            session["id"].as_str().unwrap()
        ))
        .bearer_auth(&live_key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
}

#[test]
fn serve_refuses_a_malformed_configured_key_without_echoing_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = verifyd_command()
        .args([
            "serve",
            "--database",
            &database_url(dir.path()),
            "--listen",
            "127.0.0.1:0",
        ])
        .env("VERIFYD_API_KEYS", "sk_test_short")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("malformed"), "{stderr}");
    assert!(!stderr.contains("sk_test_short"), "{stderr}");
}

#[test]
fn serve_refuses_a_locales_dir_whose_catalogue_lacks_messages_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let locales = dir.path().join("locales");
    std::fs::create_dir(&locales).unwrap();
    std::fs::write(locales.join("it.ftl"), "language-name = Italiano\n").unwrap();
    let out = verifyd_command()
        .args([
            "serve",
            "--database",
            &database_url(dir.path()),
            "--listen",
            "127.0.0.1:0",
            "--locales-dir",
        ])
        .arg(&locales)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--locales-dir"), "{stderr}");
    assert!(
        stderr.contains("locale it: the catalogue lacks"),
        "{stderr}"
    );
}

/// A bare HTTP receiver on a thread: records (Stripe-Signature, body) of each POST.
struct RawReceiver {
    url: String,
    hits: std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>,
}

fn raw_receiver() -> RawReceiver {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/webhook", listener.local_addr().unwrap());
    let hits = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let (mut length, mut signature) = (0usize, String::new());
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                if lower.starts_with("stripe-signature:") {
                    signature = line["stripe-signature:".len()..].trim().to_owned();
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            sink.lock()
                .unwrap()
                .push((signature, String::from_utf8_lossy(&body).into_owned()));
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        }
    });
    RawReceiver { url, hits }
}

fn signed_by(signature: &str, body: &str, secret: &str) -> bool {
    use hmac::{Hmac, Mac};
    let t = signature
        .split(',')
        .find_map(|p| p.strip_prefix("t="))
        .unwrap_or("");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    let expected = format!("v1={}", hex::encode(mac.finalize().into_bytes()));
    signature.split(',').any(|p| p == expected)
}

async fn wait_for_hits(receiver: &RawReceiver, n: usize) -> Vec<(String, String)> {
    let started = Instant::now();
    loop {
        let hits = receiver.hits.lock().unwrap().clone();
        if hits.len() >= n || started.elapsed() > Duration::from_secs(20) {
            return hits;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn listen_forwards_new_events_signed_and_survives_a_verifyd_restart() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let key = "sk_test_listener00000000000001";
    let port = free_port();
    let server = serve_on(dir.path(), &[("VERIFYD_API_KEYS", key)], port).await;
    let base = server.base.clone();
    // An event from before the listener starts is not forwarded.
    assert_eq!(create_session(&base, key).await.0, 200);

    let receiver = raw_receiver();
    let printed = verifyd_command()
        .args(["listen", "--print-secret", "--api-key", key])
        .output()
        .unwrap();
    let secret = String::from_utf8(printed.stdout).unwrap().trim().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");

    let mut listener = verifyd_command()
        .args([
            "listen",
            "--forward-to",
            &receiver.url,
            "--api-key",
            key,
            "--api-base",
            &base,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(listener.stdout.take().unwrap()).lines();
    let ready = lines.next().unwrap().unwrap();
    assert!(ready.contains(&secret), "{ready}");

    let (_, session) = create_session(&base, key).await;
    let hits = wait_for_hits(&receiver, 1).await;
    assert_eq!(hits.len(), 1, "only the new event");
    let (signature, body) = &hits[0];
    assert!(signed_by(signature, body, &secret), "{signature}");
    let event: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(event["type"], "identity.verification_session.created");
    assert_eq!(event["data"]["object"]["id"], session["id"]);
    let line = lines.next().unwrap().unwrap();
    assert!(
        line.contains("identity.verification_session.created") && line.contains("[200]"),
        "{line}"
    );

    drop(server);
    let server = serve_on(dir.path(), &[("VERIFYD_API_KEYS", key)], port).await;
    let (_, again) = create_session(&server.base, key).await;
    let hits = wait_for_hits(&receiver, 2).await;
    let _ = listener.kill();
    let _ = listener.wait();
    assert_eq!(hits.len(), 2, "the event made after the restart arrives");
    let event: serde_json::Value = serde_json::from_str(&hits[1].1).unwrap();
    assert_eq!(event["data"]["object"]["id"], again["id"]);
    assert!(signed_by(&hits[1].0, &hits[1].1, &secret));
}

/// `verifyd` with the master keys in `key_file` (and no other key source).
fn with_key_file(key_file: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .env_remove("VERIFYD_MASTER_KEY")
        .env_remove("VERIFYD_MASTER_KEY_COMMAND")
        .env("VERIFYD_MASTER_KEY_FILE", key_file)
        .env("RUST_LOG", "warn");
    command
}

/// Starts `serve` with the keys in `key_file`; `None` if it exits instead of serving.
async fn serve_with_key_file(dir: &Path, key_file: &Path, api_key: &str) -> Option<Server> {
    let port = free_port();
    let mut child = with_key_file(key_file)
        .args(["serve", "--database", &database_url(dir)])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("VERIFYD_API_KEYS", api_key)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    loop {
        if let Some(_status) = child.try_wait().unwrap() {
            return None;
        }
        if let Ok(r) = reqwest::get(format!("{base}/")).await {
            if r.status() == 200 {
                return Some(Server { child, base });
            }
        }
        assert!(started.elapsed() < Duration::from_secs(30), "serve came up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn master_key_command(key_file: &Path, dir: &Path, verb: &str) -> String {
    let out = with_key_file(key_file)
        .args(["master-key", verb, "--database", &database_url(dir)])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "master-key {verb}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

async fn metadata_user(base: &str, api_key: &str, id: &str) -> serde_json::Value {
    let got = reqwest::Client::new()
        .get(format!("{base}/v1/identity/verification_sessions/{id}"))
        .bearer_auth(api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    got.json::<serde_json::Value>().await.unwrap()["metadata"]["user"].clone()
}

#[test]
fn master_key_generate_prints_a_new_256_bit_key_each_time() {
    let generate = || {
        let out = Command::new(BIN)
            .args(["master-key", "generate"])
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    let (a, b) = (generate(), generate());
    assert_ne!(a, b);
    use base64::Engine as _;
    for key in [a, b] {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(&key)
            .unwrap();
        assert_eq!(raw.len(), 32);
    }
}

#[tokio::test]
async fn a_master_key_rotation_runs_while_verifyd_serves_and_the_old_key_can_then_go() {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("keys");
    let api_key = "sk_test_rotation000000000000001";
    let generate = || {
        String::from_utf8(
            Command::new(BIN)
                .args(["master-key", "generate"])
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap()
        .trim()
        .to_owned()
    };
    let (old, new) = (generate(), generate());
    std::fs::write(&key_file, format!("{old}\n")).unwrap();

    let server = serve_with_key_file(dir.path(), &key_file, api_key)
        .await
        .expect("serves with the old key");
    let created = reqwest::Client::new()
        .post(format!("{}/v1/identity/verification_sessions", server.base))
        .bearer_auth(api_key)
        .form(&[("type", "document"), ("metadata[user]", "rotated-user")])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    let id = created.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The new key goes first, the old one stays below it; the rotation runs while the
    // server keeps serving.
    std::fs::write(&key_file, format!("{new}\n{old}\n")).unwrap();
    let rotated = master_key_command(&key_file, dir.path(), "rotate");
    assert!(rotated.starts_with("re-wrapped "), "{rotated}");
    let status = master_key_command(&key_file, dir.path(), "status");
    let lines: Vec<&str> = status.lines().collect();
    assert_eq!(lines.len(), 2, "{status}");
    assert!(
        lines[0].contains("current") && !lines[0].contains(" 0 data keys"),
        "{status}"
    );
    assert!(
        lines[1].contains("older") && lines[1].contains(" 0 data keys"),
        "{status}"
    );
    assert_eq!(
        metadata_user(&server.base, api_key, &id).await,
        "rotated-user"
    );
    drop(server);

    // The old key is gone: everything still reads with the new key alone…
    std::fs::write(&key_file, format!("{new}\n")).unwrap();
    let server = serve_with_key_file(dir.path(), &key_file, api_key)
        .await
        .expect("serves with the new key alone");
    assert_eq!(
        metadata_user(&server.base, api_key, &id).await,
        "rotated-user"
    );
    drop(server);

    // …and a process given only the old key refuses to start rather than write data no
    // other process could read.
    let stale = dir.path().join("stale-keys");
    std::fs::write(&stale, format!("{old}\n")).unwrap();
    assert!(
        serve_with_key_file(dir.path(), &stale, api_key)
            .await
            .is_none(),
        "a process with the wrong master key must not serve"
    );
    verifyd_store::testing::drop_database_of(dir.path()).await;
}

#[tokio::test]
async fn the_default_sqlite_master_key_file_is_created_beside_the_database_privately() {
    if verifyd_store::testing::use_postgres() {
        return; // PostgreSQL has no default key file (the next test shows it refuses).
    }
    let dir = tempfile::tempdir().unwrap();
    let server = serve(
        dir.path(),
        &[("VERIFYD_API_KEYS", "sk_test_defaultkey0000000000001")],
    )
    .await;
    drop(server);
    let key_file = dir.path().join("verifyd.db.master-key");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn postgres_without_a_master_key_is_refused_with_a_clear_message() {
    let out = Command::new(BIN)
        .env_remove("VERIFYD_MASTER_KEY")
        .env_remove("VERIFYD_MASTER_KEY_FILE")
        .env_remove("VERIFYD_MASTER_KEY_COMMAND")
        .args([
            "migrate",
            "--database",
            "postgres://postgres@127.0.0.1:5432/verifyd_t_never_created",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("master key"), "{stderr}");
}

fn keys_command(dir: &Path, args: &[&str]) -> std::process::Output {
    verifyd_command()
        .args(["keys"])
        .args(args)
        .args(["--database", &database_url(dir)])
        .env_remove("VERIFYD_DATABASE_URL")
        .output()
        .unwrap()
}

/// The status of a key `verifyd keys list` prints for the key masked as `masked`.
fn listed(dir: &Path, masked_tail: &str) -> Vec<String> {
    let out = keys_command(dir, &["list"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find(|l| l.contains(masked_tail))
        .unwrap_or_else(|| panic!("no key ending {masked_tail} listed"))
        .split('\t')
        .map(str::to_owned)
        .collect()
}

/// GETs the session list with `key` until it answers `status` (keys are re-read within
/// 5 seconds), returning the last answer.
async fn until_status(base: &str, key: &str, status: u16) -> serde_json::Value {
    let started = Instant::now();
    loop {
        let r = reqwest::Client::new()
            .get(format!("{base}/v1/identity/verification_sessions"))
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        let got = r.status().as_u16();
        let body: serde_json::Value = r.json().await.unwrap();
        if got == status {
            return body;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "still {got} instead of {status}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_key_can_be_listed_rolled_with_a_grace_period_and_revoked_and_each_change_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let old = one_key(dir.path(), &["--mode", "test"]);
    let server = serve(dir.path(), &[]).await;
    until_status(&server.base, &old, 200).await;
    let tail = &old[old.len() - 4..];
    let row = listed(dir.path(), tail);
    let id = row[0].clone();
    assert_eq!(&row[1..3], ["test", "secret"]);
    assert_eq!(row[7], "active");
    assert_ne!(row[5], "-", "last use recorded: {row:?}");
    assert!(
        !row.join(" ").contains(&old),
        "only the masked key is listed"
    );

    // Roll with an hour's grace: both keys work; the old one is listed as expiring.
    let rolled = keys_command(dir.path(), &["roll", &id, "--grace-hours", "1"]);
    assert!(
        rolled.status.success(),
        "{}",
        String::from_utf8_lossy(&rolled.stderr)
    );
    let new = String::from_utf8(rolled.stdout).unwrap().trim().to_owned();
    assert!(new.starts_with("sk_test_") && new != old);
    until_status(&server.base, &new, 200).await;
    until_status(&server.base, &old, 200).await;
    assert_eq!(listed(dir.path(), tail)[7], "expiring");

    // Rolling the new key with no grace stops it at once (Stripe's api_key_expired)…
    let new_id = listed(dir.path(), &new[new.len() - 4..])[0].clone();
    let newest = keys_command(dir.path(), &["roll", &new_id]);
    assert!(newest.status.success());
    let newest = String::from_utf8(newest.stdout).unwrap().trim().to_owned();
    let refused = until_status(&server.base, &new, 401).await;
    assert_eq!(refused["error"]["code"], "api_key_expired", "{refused}");
    until_status(&server.base, &newest, 200).await;

    // …and revoking the old key ends its grace period everywhere.
    let revoked = keys_command(dir.path(), &["revoke", &id]);
    assert!(
        revoked.status.success(),
        "{}",
        String::from_utf8_lossy(&revoked.stderr)
    );
    let refused = until_status(&server.base, &old, 401).await;
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid API Key provided"),
        "{refused}"
    );
    assert_eq!(listed(dir.path(), tail)[7], "revoked");
    assert!(!keys_command(dir.path(), &["revoke", &id]).status.success());

    let audit = verifyd_command()
        .args(["audit", "--database", &database_url(dir.path())])
        .output()
        .unwrap();
    let audit = String::from_utf8(audit.stdout).unwrap();
    for action in ["key.created", "key.rolled", "key.revoked"] {
        assert!(audit.contains(action), "{action} missing from:\n{audit}");
    }
    for secret in [&old, &new, &newest] {
        assert!(!audit.contains(secret.as_str()), "a key in the audit log");
    }
    drop(server);
    verifyd_store::testing::drop_database_of(dir.path()).await;
}
