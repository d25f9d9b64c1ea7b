//! Scenario 7: live document checks, end to end. Each flow is what an end user's browser
//! does on the hosted page in live mode — open the link (binding cookie), consent, upload
//! the front and the back of a licence (each upload gets the quick reading), submit — then
//! the integrator polls until the worker has decided. Measured: the check latency (submit
//! → decided) and the checks per second with as many flows in flight as the server has
//! check threads; and the API's own latency while checks run: retrieve p99 at c=64 alone,
//! then again while flows keep the check pool busy. Then the same flow with a matching
//! selfie required (a licence whose portrait is a real face, and a selfie of that person):
//! the document + selfie check latency, one at a time.

use crate::load::{measure, percentile, LoadArgs};
use serde_json::{json, Value};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The photos the flows upload (a genuine US licence from the committed fixtures, and for
/// selfie flows the licence with a real portrait and a selfie of that person).
pub struct Photos {
    pub front: Vec<u8>,
    pub back: Vec<u8>,
    pub selfie: Option<Vec<u8>>,
}

fn read_fixture(dir: &Path, name: &str) -> Result<Vec<u8>, String> {
    std::fs::read(dir.join(name)).map_err(|e| format!("{}: {e}", dir.join(name).display()))
}

impl Photos {
    pub fn load(dir: &Path) -> Result<Self, String> {
        Ok(Self {
            front: read_fixture(dir, "us-dl-front.jpg")?,
            back: read_fixture(dir, "us-dl-back.jpg")?,
            selfie: None,
        })
    }

    pub fn load_with_selfie(dir: &Path) -> Result<Self, String> {
        Ok(Self {
            front: read_fixture(dir, "us-dl-portrait-front.jpg")?,
            back: read_fixture(dir, "us-dl-portrait-back.jpg")?,
            selfie: Some(read_fixture(dir, "selfie-match.jpg")?),
        })
    }
}

struct Flow<'a> {
    client: &'a reqwest::Client,
    base: &'a str,
    key: &'a str,
    cookie: String,
    id: String,
}

fn csrf_of(html: &str) -> Result<String, String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).ok_or("no csrf_token on the page")? + marker.len();
    let end = html[start..].find('"').ok_or("unterminated csrf_token")? + start;
    Ok(html[start..end].to_owned())
}

impl Flow<'_> {
    async fn page(&self) -> Result<String, String> {
        let r = self
            .client
            .get(format!("{}/verify/s/{}", self.base, self.id))
            .header("cookie", &self.cookie)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        r.text().await.map_err(|e| e.to_string())
    }

    async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Result<u16, String> {
        let body: String = fields
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        let r = self
            .client
            .post(format!("{}/verify/s/{}/{path}", self.base, self.id))
            .header("cookie", &self.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        Ok(r.status().as_u16())
    }

    async fn upload(&self, slot: &str, csrf: &str, file: &[u8]) -> Result<u16, String> {
        let boundary = "verifydbenchboundary7f3a";
        let mut body = Vec::new();
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n").as_bytes(),
        );
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{slot}.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let r = self
            .client
            .post(format!("{}/verify/s/{}/image/{slot}", self.base, self.id))
            .header("cookie", &self.cookie)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        Ok(r.status().as_u16())
    }

    async fn status(&self) -> Result<Value, String> {
        let r = self
            .client
            .get(format!(
                "{}/v1/identity/verification_sessions/{}",
                self.base, self.id
            ))
            .bearer_auth(self.key)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        r.json().await.map_err(|e| e.to_string())
    }
}

/// One flow; returns (upload latencies, submit → decided latency), and fails unless the
/// session ends verified.
async fn one_flow(
    client: &reqwest::Client,
    base: &str,
    key: &str,
    photos: &Photos,
) -> Result<(Vec<Duration>, Duration), String> {
    let created: Value = client
        .post(format!("{base}/v1/identity/verification_sessions"))
        .bearer_auth(key)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(if photos.selfie.is_some() {
            "type=document&options[document][allowed_types][]=driving_license&options[document][require_matching_selfie]=true"
        } else {
            "type=document&options[document][allowed_types][]=driving_license"
        })
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let url = created["url"].as_str().ok_or("no url")?;
    let id = created["id"].as_str().ok_or("no id")?.to_owned();
    let start = client.get(url).send().await.map_err(|e| e.to_string())?;
    let cookie = start
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .ok_or("no binding cookie")?
        .to_owned();
    let flow = Flow {
        client,
        base,
        key,
        cookie,
        id,
    };
    let csrf = csrf_of(&flow.page().await?)?;
    flow.post_form("consent", &[("csrf_token", &csrf), ("decision", "accept")])
        .await?;
    let mut uploads = Vec::new();
    let images = [
        Some(("front", &photos.front)),
        Some(("back", &photos.back)),
        photos.selfie.as_ref().map(|s| ("selfie", s)),
    ];
    for (slot, file) in images.into_iter().flatten() {
        let t = Instant::now();
        let status = flow.upload(slot, &csrf, file).await?;
        uploads.push(t.elapsed());
        if status != 303 {
            return Err(format!("upload of the {slot} answered {status}"));
        }
    }
    let submitted = Instant::now();
    let status = flow.post_form("submit", &[("csrf_token", &csrf)]).await?;
    if status != 303 {
        return Err(format!("submit answered {status}"));
    }
    loop {
        let s = flow.status().await?;
        match s["status"].as_str() {
            Some("processing") => tokio::time::sleep(Duration::from_millis(20)).await,
            Some("verified") => return Ok((uploads, submitted.elapsed())),
            other => {
                return Err(format!(
                    "session ended {other:?}: {}",
                    s["last_error"]["reason"]
                ))
            }
        }
    }
}

/// `flows` flows, `concurrency` at a time; latencies and throughput.
pub async fn checks_measure(
    base: &str,
    key: &str,
    photos: Arc<Photos>,
    flows: usize,
    concurrency: usize,
) -> Result<Value, String> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    // One flow first, unmeasured: the reader loads its models on first use.
    one_flow(&client, base, key, &photos).await?;
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, base, key, photos, next) = (
            client.clone(),
            base.to_owned(),
            key.to_owned(),
            photos.clone(),
            next.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            while next.fetch_add(1, Ordering::SeqCst) < flows {
                out.push(one_flow(&client, &base, &key, &photos).await?);
            }
            Ok::<_, String>(out)
        }));
    }
    let (mut checks, mut uploads) = (Vec::new(), Vec::new());
    for task in tasks {
        for (up, check) in task.await.map_err(|e| e.to_string())?? {
            checks.push(check.as_micros() as u64);
            uploads.extend(up.iter().map(|d| d.as_micros() as u64));
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    checks.sort_unstable();
    uploads.sort_unstable();
    Ok(json!({
        "flows": checks.len(),
        "concurrency": concurrency,
        "checks_per_s": checks.len() as f64 / elapsed,
        "check_p50_ms": percentile(&checks, 50.0),
        "check_p90_ms": percentile(&checks, 90.0),
        "check_p99_ms": percentile(&checks, 99.0),
        "check_max_ms": percentile(&checks, 100.0),
        "upload_p50_ms": percentile(&uploads, 50.0),
        "upload_p99_ms": percentile(&uploads, 99.0),
    }))
}

/// Retrieve at c=64 for `seconds`, alone and then while flows keep the check pool busy.
pub async fn retrieve_under_checks(
    base: &str,
    key: &str,
    photos: Arc<Photos>,
    retrieve: LoadArgs,
    concurrency: usize,
) -> Result<Value, String> {
    let alone = measure(retrieve.clone()).await?;
    let stop = Arc::new(AtomicBool::new(false));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let mut busy = Vec::new();
    for _ in 0..concurrency {
        let (client, base, key, photos, stop) = (
            client.clone(),
            base.to_owned(),
            key.to_owned(),
            photos.clone(),
            stop.clone(),
        );
        busy.push(tokio::spawn(async move {
            let mut done = 0usize;
            while !stop.load(Ordering::SeqCst) {
                one_flow(&client, &base, &key, &photos).await?;
                done += 1;
            }
            Ok::<_, String>(done)
        }));
    }
    // Let the checks get going before measuring.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let during = measure(retrieve).await?;
    stop.store(true, Ordering::SeqCst);
    let mut flows = 0;
    for task in busy {
        flows += task.await.map_err(|e| e.to_string())??;
    }
    Ok(json!({
        "alone": alone,
        "during_checks": during,
        "flows_during": flows,
    }))
}
