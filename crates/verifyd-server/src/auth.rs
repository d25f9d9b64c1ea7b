//! Authentication and authorization: the API key from `Authorization` (Bearer, or Basic
//! with the key as user name) → mode, kind and permissions. Keys come from the database
//! (stored hashed) or from configuration (held hashed in memory). Failures use Stripe's
//! 401/403 messages. Keys never reach a log; messages show only the masked form.

use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use std::collections::{BTreeSet, HashMap};
use verifyd_core::keys::{
    key_shape, mask_key, parse_permissions, KeyKind, Permission, MIN_CONFIGURED_KEY_RANDOM,
};
use verifyd_store::{hash_key, StoredKey};

/// Who is calling.
#[derive(Debug, Clone)]
pub struct Caller {
    pub livemode: bool,
    pub kind: KeyKind,
    pub permissions: BTreeSet<Permission>,
    pub masked_key: String,
}

impl Caller {
    /// Refuses the request (403) unless the key holds `permission`.
    pub fn require(&self, permission: Permission, account_id: &str) -> ApiResult<()> {
        if self.permissions.contains(&permission) {
            return Ok(());
        }
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!(
                "The provided key '{}' does not have the required permissions for this endpoint \
                 on account '{account_id}'. Having the '{}' permission would allow this request \
                 to continue.",
                self.masked_key,
                permission.as_str()
            ),
        ))
    }

    /// Whether the key may see the credentials handed to end users (`client_secret`, `url`):
    /// only keys that may write sessions. A read-only key sees them as null and never
    /// causes new ones to be minted (a write).
    pub fn may_see_end_user_credentials(&self) -> bool {
        self.permissions.contains(&Permission::SessionsWrite)
    }

    /// Blanks the end user's credentials in a rendered session unless the key may see them.
    pub fn hide_credentials_unless_allowed(&self, session: &mut serde_json::Value) {
        if !self.may_see_end_user_credentials() {
            for field in ["client_secret", "url"] {
                if let Some(value) = session.get_mut(field) {
                    *value = serde_json::Value::Null;
                }
            }
        }
    }

    /// Sensitive verification results need a restricted key that holds the permission.
    pub fn may_read_sensitive_results(&self) -> bool {
        self.kind == KeyKind::Restricted
            && (self.permissions.contains(&Permission::SensitiveResultsRead)
                || self
                    .permissions
                    .contains(&Permission::AllSensitiveResultsRead))
    }

    /// Sensitive results of verifications older than 48 hours need the "all" permission.
    pub fn may_read_old_sensitive_results(&self) -> bool {
        self.kind == KeyKind::Restricted
            && self
                .permissions
                .contains(&Permission::AllSensitiveResultsRead)
    }
}

fn permissions_of(kind: KeyKind) -> BTreeSet<Permission> {
    match kind {
        KeyKind::Secret => Permission::ALL.into_iter().collect(),
        KeyKind::Restricted => Permission::restricted_default(),
        KeyKind::Publishable => BTreeSet::new(),
    }
}

/// A key supplied by configuration (`VERIFYD_API_KEYS`), held only as its hash.
#[derive(Debug, Clone)]
struct ConfiguredKey {
    livemode: bool,
    kind: KeyKind,
    masked: String,
}

/// The keys known without a database lookup.
#[derive(Debug, Clone, Default)]
pub struct KeyRing {
    configured: HashMap<String, ConfiguredKey>,
}

impl KeyRing {
    /// Builds the ring from configured keys; refuses any that is not a well-formed key.
    pub fn from_configured(keys: &[String]) -> Result<Self, String> {
        let mut configured = HashMap::new();
        for key in keys {
            let shape = key_shape(key)
                .filter(|_| {
                    let random = key.splitn(3, '_').nth(2).unwrap_or("");
                    random.len() >= MIN_CONFIGURED_KEY_RANDOM
                })
                .ok_or_else(|| {
                    format!(
                        "configured API key {} is malformed: expected sk_|rk_|pk_, test_|live_, then \
                         at least {MIN_CONFIGURED_KEY_RANDOM} letters or digits",
                        mask_key(key)
                    )
                })?;
            configured.insert(
                hash_key(key),
                ConfiguredKey {
                    livemode: shape.livemode,
                    kind: shape.kind,
                    masked: mask_key(key),
                },
            );
        }
        Ok(Self { configured })
    }
}

const NO_KEY: &str = "You did not provide an API key. You need to provide your API key in the \
Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See \
https://stripe.com/docs/api#authentication for details, or we can help at \
https://support.stripe.com/.";

fn unauthorized(message: String) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, message)
}

/// The key in the `Authorization` header, or Stripe's 401 explaining why there is none.
pub(crate) fn presented_key(headers: &HeaderMap) -> ApiResult<String> {
    let Some(raw) = headers.get(axum::http::header::AUTHORIZATION) else {
        return Err(unauthorized(NO_KEY.to_owned()));
    };
    let text = raw.to_str().unwrap_or("");
    let malformed = || {
        unauthorized(format!(
            "You did not provide an API key, though you did set your Authorization header to \
             \"{}\". Using Bearer auth, your Authorization header should look something like \
             'Authorization: Bearer YOUR_SECRET_KEY'. See https://stripe.com/docs/api#authentication \
             for details, or we can help at https://support.stripe.com/.",
            text.split_whitespace().next().unwrap_or("")
        ))
    };
    let (scheme, rest) = text.trim().split_once(' ').unwrap_or((text.trim(), ""));
    let key = if scheme.eq_ignore_ascii_case("bearer") {
        rest.trim().to_owned()
    } else if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest.trim())
            .map_err(|_| malformed())?;
        let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
        decoded.split(':').next().unwrap_or("").to_owned()
    } else {
        return Err(malformed());
    };
    if key.is_empty() {
        return Err(malformed());
    }
    if key.contains(char::is_whitespace) {
        return Err(unauthorized(
            "Invalid API Key provided: the key contains at least one space. Please delete the \
             spaces and try again. If you have any questions, we can help at \
             https://support.stripe.com/."
                .to_owned(),
        ));
    }
    Ok(key)
}

/// Refuses a revoked key as unknown and an expired one (a rolled key past its grace) with
/// Stripe's `api_key_expired`; notes the use of a key that works (at most once a minute).
fn check_lifecycle(app: &AppState, stored: &StoredKey, key: &str) -> ApiResult<()> {
    let now = app.clock().now_seconds();
    if stored.revoked_at.is_some() {
        return Err(unauthorized(format!(
            "Invalid API Key provided: {}",
            mask_key(key)
        )));
    }
    if !stored.is_usable(now) {
        return Err(unauthorized(format!(
            "Expired API Key provided: {}. Your API key has expired; use the key it was \
             rolled to, or create a new one with `verifyd keys create`.",
            mask_key(key)
        ))
        .with_code("api_key_expired"));
    }
    if app.should_record_key_use(&stored.id, now) {
        let store = app.store().clone();
        let id = stored.id.clone();
        tokio::spawn(async move {
            if let Err(error) = store.touch_key(&id, now).await {
                tracing::warn!(%error, "could not record a key's use");
            }
        });
    }
    Ok(())
}

/// Authenticates a request to a secret-key endpoint.
pub async fn authenticate_secret(app: &AppState, headers: &HeaderMap) -> ApiResult<Caller> {
    let key = presented_key(headers)?;
    let invalid = || unauthorized(format!("Invalid API Key provided: {}", mask_key(&key)));
    let hash = hash_key(&key);
    let caller = if let Some(known) = app.keys().configured.get(&hash) {
        Caller {
            livemode: known.livemode,
            kind: known.kind,
            permissions: permissions_of(known.kind),
            masked_key: known.masked.clone(),
        }
    } else {
        let stored = app
            .store()
            .find_key_by_hash(&hash)
            .await?
            .ok_or_else(invalid)?;
        check_lifecycle(app, &stored, &key)?;
        let kind = KeyKind::parse(&stored.kind).ok_or_else(invalid)?;
        let permissions = match kind {
            KeyKind::Restricted => parse_permissions(&stored.permissions).map_err(|bad| {
                ApiError::internal(format!("stored key has unknown permission {bad}"))
            })?,
            other => permissions_of(other),
        };
        Caller {
            livemode: stored.livemode,
            kind,
            permissions,
            masked_key: stored.masked,
        }
    };
    if caller.kind == KeyKind::Publishable {
        return Err(unauthorized(
            "This API call cannot be made with a publishable API key. Please use a secret API \
             key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys."
                .to_owned(),
        )
        .with_code("secret_key_required"));
    }
    Ok(caller)
}

/// Authenticates the publishable key a browser presents (the modal's `Stripe(pk)`): it must
/// be a known publishable key. Any other kind of key is refused as invalid, so a secret key
/// pasted into a web page never opens anything.
pub async fn authenticate_publishable(app: &AppState, key: &str) -> ApiResult<Caller> {
    let invalid = || unauthorized(format!("Invalid API Key provided: {}", mask_key(key)));
    match key_shape(key) {
        Some(shape) if shape.kind == KeyKind::Publishable => {}
        _ => return Err(invalid()),
    }
    let hash = hash_key(key);
    let (livemode, masked_key) = if let Some(known) = app.keys().configured.get(&hash) {
        if known.kind != KeyKind::Publishable {
            return Err(invalid());
        }
        (known.livemode, known.masked.clone())
    } else {
        let stored = app
            .store()
            .find_key_by_hash(&hash)
            .await?
            .ok_or_else(invalid)?;
        check_lifecycle(app, &stored, key)?;
        if KeyKind::parse(&stored.kind) != Some(KeyKind::Publishable) {
            return Err(invalid());
        }
        (stored.livemode, stored.masked)
    };
    Ok(Caller {
        livemode,
        kind: KeyKind::Publishable,
        permissions: permissions_of(KeyKind::Publishable),
        masked_key,
    })
}
