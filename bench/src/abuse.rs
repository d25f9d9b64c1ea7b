//! Abuse scenarios, measured against a running verifyd (debug build in the smoke run,
//! release in a full run): an unauthenticated upload flood on the hosted page (N connections
//! each sending a 9.9 MB image body for a real session id, without its cookie), uploads that
//! stall before the end of their body, and slowloris connections that never finish a request
//! head. The server's memory is sampled every 50 ms. The benchmark fails when the upload
//! attacks push the server's peak memory to 150 MB or more, or when a slowloris connection is
//! still open after the header-read timeout: those are the goals of the security work, checked
//! on every CI run.

use crate::scenarios::{rss_mb, Verifyd, KEY};
use serde_json::{json, Value};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The memory bound the upload attacks must stay under.
pub const UPLOAD_ABUSE_RSS_LIMIT_MB: f64 = 150.0;
const BODY_BYTES: usize = 9_900_000;
const HEADER_READ_TIMEOUT_SECS: u64 = 2;

/// One upload connection: sends the head and up to `send` bytes of a `BODY_BYTES` body, then
/// reads the answer's status line (or notes that none came).
async fn upload(address: String, path: String, send: usize) -> String {
    let Ok(mut stream) = TcpStream::connect(&address).await else {
        return "connect failed".into();
    };
    let boundary = "----abuse";
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; \
         boundary={boundary}\r\nContent-Length: {BODY_BYTES}\r\n\r\n--{boundary}\r\n\
         Content-Disposition: form-data; name=\"csrf_token\"\r\n\r\nx\r\n--{boundary}\r\n\
         Content-Disposition: form-data; name=\"file\"; filename=\"p\"\r\n\
         Content-Type: image/jpeg\r\n\r\n"
    );
    if stream.write_all(head.as_bytes()).await.is_err() {
        return "refused early".into();
    }
    let chunk = vec![0u8; 64 * 1024];
    let mut sent = head.len();
    while sent < send {
        let n = chunk.len().min(send - sent);
        if stream.write_all(&chunk[..n]).await.is_err() {
            break; // the server answered and closed: fine
        }
        sent += n;
    }
    let mut answer = [0u8; 64];
    match tokio::time::timeout(Duration::from_secs(30), stream.read(&mut answer)).await {
        Ok(Ok(n)) if n > 0 => String::from_utf8_lossy(&answer[..n])
            .lines()
            .next()
            .unwrap_or("")
            .to_owned(),
        Ok(_) => "closed without an answer".into(),
        Err(_) => "no answer in 30 s".into(),
    }
}

/// Counts answers by their status line.
fn tally(answers: &[String]) -> Value {
    let mut counts = std::collections::BTreeMap::<String, u64>::new();
    for a in answers {
        *counts.entry(a.clone()).or_default() += 1;
    }
    json!(counts)
}

/// Runs `attack` while sampling the server's memory; returns the attack's answers and the
/// peak resident memory seen.
async fn sampled<F: std::future::Future<Output = Vec<String>>>(
    pid: u32,
    attack: F,
) -> (Vec<String>, f64) {
    let done = Arc::new(AtomicBool::new(false));
    let flag = done.clone();
    let sampler = tokio::spawn(async move {
        let mut peak = 0.0_f64;
        while !flag.load(Ordering::Relaxed) {
            peak = peak.max(rss_mb(pid));
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        peak.max(rss_mb(pid))
    });
    let answers = attack.await;
    done.store(true, Ordering::Relaxed);
    let peak = sampler.await.unwrap_or(0.0);
    (answers, peak)
}

pub async fn abuse_measure(bin: &Path, workdir: &Path, smoke: bool) -> Result<Value, String> {
    let (floods, stalls, slowloris) = if smoke { (16, 16, 20) } else { (128, 150, 200) };
    let db = workdir.join("abuse.db");
    let _ = std::fs::remove_file(&db);
    let verifyd = Verifyd::start_with(
        bin,
        &format!("sqlite://{}", db.display()),
        false,
        &[
            "--models-dir",
            "/nonexistent/verifyd-bench-no-models",
            "--header-read-timeout",
            &HEADER_READ_TIMEOUT_SECS.to_string(),
        ],
    )
    .await?;
    let pid = verifyd.pid();
    let address = verifyd.base.trim_start_matches("http://").to_owned();
    let created: Value = reqwest::Client::new()
        .post(format!(
            "{}/v1/identity/verification_sessions",
            verifyd.base
        ))
        .bearer_auth(KEY)
        .form(&[("type", "document")])
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let id = created["id"]
        .as_str()
        .ok_or("no session created")?
        .to_owned();
    let path = format!("/verify/s/{id}/image/front");
    let baseline = rss_mb(pid);

    let started = Instant::now();
    let (flood, flood_peak) = sampled(pid, async {
        let tasks: Vec<_> = (0..floods)
            .map(|_| tokio::spawn(upload(address.clone(), path.clone(), BODY_BYTES)))
            .collect();
        let mut answers = Vec::new();
        for t in tasks {
            answers.push(t.await.unwrap_or_else(|_| "task failed".into()));
        }
        answers
    })
    .await;
    let flood_seconds = started.elapsed().as_secs_f64();
    let (stalled, stall_peak) = sampled(pid, async {
        let tasks: Vec<_> = (0..stalls)
            .map(|_| tokio::spawn(upload(address.clone(), path.clone(), BODY_BYTES - 100_000)))
            .collect();
        let mut answers = Vec::new();
        for t in tasks {
            answers.push(t.await.unwrap_or_else(|_| "task failed".into()));
        }
        answers
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = rss_mb(pid);

    // Slowloris: half a request head each, then silence.
    let mut open = Vec::new();
    for _ in 0..slowloris {
        if let Ok(mut s) = TcpStream::connect(&address).await {
            let _ = s
                .write_all(b"GET /v1/identity/verification_sessions HTTP/1.1\r\nHost: x\r\n")
                .await;
            open.push(s);
        }
    }
    tokio::time::sleep(Duration::from_secs(HEADER_READ_TIMEOUT_SECS + 3)).await;
    let mut still_open = 0;
    for mut s in open {
        let mut buf = [0u8; 256];
        match tokio::time::timeout(Duration::from_millis(100), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {}
            Ok(Ok(_)) => {
                // An answer (a 408) then, presumably, the close: read once more.
                if let Ok(Ok(n)) =
                    tokio::time::timeout(Duration::from_millis(500), s.read(&mut buf)).await
                {
                    if n > 0 {
                        still_open += 1;
                    }
                }
            }
            Err(_) => still_open += 1,
        }
    }
    let peak = flood_peak.max(stall_peak);
    verifyd.stop();
    Ok(json!({
        "uploads": floods,
        "upload_answers": tally(&flood),
        "upload_seconds": flood_seconds,
        "stalled": stalls,
        "stalled_answers": tally(&stalled),
        "baseline_rss_mb": baseline,
        "peak_rss_mb": peak,
        "after_rss_mb": after,
        "slowloris": slowloris,
        "slowloris_open_after_timeout": still_open,
        "header_read_timeout_s": HEADER_READ_TIMEOUT_SECS,
    }))
}
