//! The incoming API request as endpoints see it: method, path, headers, the raw body (read
//! under a size limit) and the request id; plus the `Request-Id` middleware that stamps
//! every response and logs one line per request (route template only: paths may carry
//! tokens, query strings may carry personal data).

use crate::error::{ApiError, ApiResult};
use crate::form::{self, Node};
use crate::params::{self, Params, Shape};
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, MatchedPath, Request};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::time::Instant;
use verifyd_core::random_base62;

/// Largest request body accepted (1 MiB). Larger bodies get a 413 in Stripe's error shape.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The API version verifyd reports when the client does not name one.
pub const DEFAULT_API_VERSION: &str = "2026-07-29.dahlia";

/// The `req_…` id of this request.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

impl RequestId {
    fn generate() -> Self {
        Self(format!("req_{}", random_base62(14)))
    }
}

/// Longest request target (path and query) accepted.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Most bytes of header fields accepted.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// Stripe's error for a request whose target or headers are too large (checked here, before
/// any handler, so that the answer is an error object with a `Request-Id`).
fn oversized_head(request: &Request) -> Option<ApiError> {
    let uri = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    if uri > MAX_URI_BYTES {
        return Some(ApiError::new(
            StatusCode::URI_TOO_LONG,
            format!("The request URL is too long: at most {MAX_URI_BYTES} bytes are accepted."),
        ));
    }
    let headers: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if headers > MAX_HEADER_BYTES {
        return Some(ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!(
                "The request headers are too large: at most {MAX_HEADER_BYTES} bytes are accepted."
            ),
        ));
    }
    None
}

/// Stamps `Request-Id` (and `Stripe-Version`) on every response, errors included, and
/// logs the request without its parameters.
pub async fn request_id_layer(mut request: Request, next: Next) -> Response {
    let request_id = RequestId::generate();
    let version = request
        .headers()
        .get("stripe-version")
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static(DEFAULT_API_VERSION));
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "(unmatched)".to_owned());
    request.extensions_mut().insert(request_id.clone());
    let started = Instant::now();
    let mut response = match oversized_head(&request) {
        Some(error) => error.into_response(),
        None => next.run(request).await,
    };
    let headers = response.headers_mut();
    if !headers.contains_key("request-id") {
        if let Ok(value) = HeaderValue::from_str(&request_id.0) {
            headers.insert("request-id", value);
        }
    }
    headers.insert("stripe-version", version);
    tracing::info!(
        request_id = %request_id.0,
        %method,
        route = %route,
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

/// What identifies a request for its idempotency key: method, path and its parameters,
/// order-insensitively (hex SHA-256).
pub fn fingerprint_of(method: &str, path: &str, mut pairs: Vec<(String, String)>) -> String {
    pairs.sort();
    let mut hasher = Sha256::new();
    hasher.update(method.as_bytes());
    hasher.update(b" ");
    hasher.update(path.as_bytes());
    for (k, v) in &pairs {
        hasher.update(b"\n");
        hasher.update(k.len().to_le_bytes());
        hasher.update(k.as_bytes());
        hasher.update(v.len().to_le_bytes());
        hasher.update(v.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An API request, read whole.
#[derive(Debug)]
pub struct ApiRequest {
    pub method: Method,
    pub path: String,
    pub query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub request_id: String,
}

impl<S: Send + Sync> FromRequest<S> for ApiRequest {
    type Rejection = ApiError;

    async fn from_request(request: Request<Body>, _state: &S) -> Result<Self, ApiError> {
        let (parts, body) = request.into_parts();
        let too_large = || {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("Request body too large: the limit is {MAX_BODY_BYTES} bytes."),
            )
        };
        let declared = parts
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
            return Err(too_large());
        }
        let body = axum::body::to_bytes(body, MAX_BODY_BYTES)
            .await
            .map_err(|_| too_large())?;
        let request_id = parts
            .extensions
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_else(|| RequestId::generate().0);
        Ok(Self {
            method: parts.method,
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().unwrap_or("").to_owned(),
            headers: parts.headers,
            body,
            request_id,
        })
    }
}

impl ApiRequest {
    /// The `n`th path segment (`/v1/identity/verification_sessions/{4}/…`), percent-decoded.
    pub fn segment(&self, n: usize) -> String {
        let raw = self.path.split('/').nth(n).unwrap_or("");
        percent_encoding::percent_decode_str(raw)
            .decode_utf8_lossy()
            .into_owned()
    }

    fn body_pairs(&self) -> ApiResult<Vec<(String, String)>> {
        if self.method == Method::GET || self.method == Method::DELETE || self.body.is_empty() {
            return Ok(Vec::new());
        }
        if let Some(content_type) = self.headers.get(header::CONTENT_TYPE) {
            let ct = content_type.to_str().unwrap_or("");
            let essence = ct.split(';').next().unwrap_or("").trim();
            if !essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
                return Err(ApiError::invalid(format!(
                    "Invalid request: unsupported Content-Type {ct}. If error persists and you \
                     need assistance, please contact support@stripe.com."
                )));
            }
        }
        form::decode_pairs(&self.body)
    }

    /// Every decoded parameter pair: the query string, then (for POST) the body.
    pub fn pairs(&self) -> ApiResult<Vec<(String, String)>> {
        let mut pairs = form::decode_pairs(self.query.as_bytes())?;
        pairs.extend(self.body_pairs()?);
        Ok(pairs)
    }

    /// Decodes and validates the parameters against the endpoint's fields.
    pub fn params(&self, fields: Vec<(&'static str, Shape)>) -> ApiResult<Params> {
        let tree: Node = form::build_tree(&self.pairs()?)?;
        params::validate(&tree, fields)
    }

    /// What makes two requests "the same request" for idempotency: method, path and the
    /// multiset of parameters (order-insensitive).
    pub fn fingerprint(&self) -> String {
        fingerprint_of(
            self.method.as_str(),
            &self.path,
            self.pairs().unwrap_or_default(),
        )
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Whether the header was sent with bytes other than visible ASCII (which `header`
    /// does not return).
    pub fn header_is_not_ascii(&self, name: &str) -> bool {
        self.headers.get(name).is_some_and(|v| v.to_str().is_err())
    }
}
