//! Envelope encryption of everything personal or secret at rest (AES-256-GCM).
//!
//! - A **master key** (or several, during a rotation) comes from a key file, an environment
//!   value or an operator's command; it never touches the database. It only wraps data keys.
//! - A **data key** belongs to a *scope*: a session (`vs_…`, which seals the session, its
//!   reports, events, files, saved responses and webhook attempt records), a webhook endpoint
//!   (`we_…`), the account (responses about no session) or the blind index. Data keys are
//!   stored wrapped in `data_keys`; destroying a session's keys (redaction) makes every copy
//!   sealed under them unreadable, wherever that copy lives (WAL, free pages, backups taken
//!   after the redaction).
//! - A **sealed value** is `0x01 | len(data key id) | data key id | nonce (12) | ciphertext
//!   and tag`, authenticated with what kind of value it is. Values stored before sealing
//!   existed (never beginning with 0x01) are read as they are, until the store seals them.
//! - Equality lookups on personal values (`client_reference_id`, `related_customer`,
//!   idempotency keys) use an HMAC blind index under a data key of its own.
//!
//! This module holds the cryptography and the key sources; the SQL that stores data keys is
//! in `data_keys`.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use crate::{Result, StoreError};

/// First byte of every sealed value.
const SEALED_V1: u8 = 0x01;
/// First byte of every wrapped data key.
const WRAPPED_V1: u8 = 0x01;
const NONCE_LEN: usize = 12;
/// Data keys kept unwrapped in memory before the cache starts over.
const CACHE_LIMIT: usize = 20_000;
/// How often a key file is looked at for a change.
const FILE_RECHECK: std::time::Duration = std::time::Duration::from_secs(30);

/// What a sealed value is; part of its authenticated data, so a value cannot be moved into
/// a column of another kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Session,
    Report,
    Event,
    File,
    Response,
    Endpoint,
    Attempt,
}

impl Kind {
    fn label(self) -> &'static [u8] {
        match self {
            Kind::Session => b"verification_session",
            Kind::Report => b"verification_report",
            Kind::Event => b"event",
            Kind::File => b"file",
            Kind::Response => b"idempotent_response",
            Kind::Endpoint => b"webhook_endpoint",
            Kind::Attempt => b"webhook_attempt",
        }
    }
}

/// Where the master keys come from.
#[derive(Clone, Default)]
pub enum MasterKeySource {
    /// SQLite: the file beside the database (`<database>.master-key`), created on first
    /// start. PostgreSQL has no default: every process must be given the same key.
    #[default]
    Default,
    /// A key file (created with mode 0600, holding a new key, when absent).
    File(PathBuf),
    /// The keys themselves (e.g. from `VERIFYD_MASTER_KEY`).
    Value(String),
    /// A shell command whose standard output is the keys (e.g. one that asks a KMS).
    Command(String),
}

impl std::fmt::Debug for MasterKeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MasterKeySource::Default => f.write_str("Default"),
            MasterKeySource::File(p) => f.debug_tuple("File").field(p).finish(),
            MasterKeySource::Value(_) => f.write_str("Value(<secret>)"),
            MasterKeySource::Command(c) => f.debug_tuple("Command").field(c).finish(),
        }
    }
}

/// A 256-bit master key and its public id (a hash prefix, safe to print and store).
struct MasterKey {
    id: String,
    cipher: Aes256Gcm,
}

/// The master keys in use: the first wraps new data keys; the others (older keys during a
/// rotation) still unwrap the data keys they wrapped.
pub struct Keyring {
    keys: Vec<MasterKey>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring").field("ids", &self.ids()).finish()
    }
}

/// Text of one new master key, as key files hold it (base64 of 32 random bytes).
pub fn generate_master_key() -> String {
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    base64::engine::general_purpose::STANDARD.encode(raw)
}

/// The public id of a master key.
fn master_key_id(raw: &[u8]) -> String {
    let digest = Sha256::new()
        .chain_update(b"verifyd master key id\0")
        .chain_update(raw)
        .finalize();
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

impl Keyring {
    /// Parses key text: base64 keys of 32 bytes, one per line (or separated by commas),
    /// `#` comments ignored; the first is the current key.
    pub fn parse(text: &str) -> Result<Self> {
        let mut keys = Vec::new();
        for item in text
            .lines()
            .map(|l| l.split('#').next().unwrap_or(""))
            .flat_map(|l| l.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let raw = base64::engine::general_purpose::STANDARD
                .decode(item)
                .ok()
                .filter(|raw| raw.len() == 32)
                .ok_or_else(|| {
                    StoreError::Keys(
                        "a master key is not 32 bytes of standard base64 (make one with \
                         `verifyd master-key generate`)"
                            .into(),
                    )
                })?;
            let id = master_key_id(&raw);
            if keys.iter().any(|k: &MasterKey| k.id == id) {
                continue;
            }
            keys.push(MasterKey {
                id,
                cipher: Aes256Gcm::new_from_slice(&raw).expect("32-byte key"),
            });
        }
        if keys.is_empty() {
            return Err(StoreError::Keys("no master key was given".into()));
        }
        Ok(Self { keys })
    }

    /// Id of the key that wraps new data keys.
    pub fn current_id(&self) -> &str {
        &self.keys[0].id
    }

    /// Ids of every key, current first.
    pub fn ids(&self) -> Vec<String> {
        self.keys.iter().map(|k| k.id.clone()).collect()
    }

    fn get(&self, id: &str) -> Option<&MasterKey> {
        self.keys.iter().find(|k| k.id == id)
    }
}

/// The key file `Default` means for a SQLite database URL; `None` for an in-memory or a
/// PostgreSQL database.
pub(crate) fn default_key_file(database_url: &str) -> Option<PathBuf> {
    let path = database_url.strip_prefix("sqlite:")?;
    let path = path.trim_start_matches("//");
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path.contains(":memory:") || path.starts_with("file::memory") {
        return None;
    }
    Some(PathBuf::from(format!("{path}.master-key")))
}

/// Reads the master keys from `source` (creating the key file when it is absent).
pub fn load_keyring(source: &MasterKeySource, database_url: &str) -> Result<Keyring> {
    match source {
        MasterKeySource::Default => match default_key_file(database_url) {
            Some(path) => load_key_file(&path),
            None if database_url.starts_with("sqlite:") => {
                // An in-memory database lives no longer than this process: so does its key.
                Keyring::parse(&generate_master_key())
            }
            None => Err(StoreError::Keys(
                "PostgreSQL needs the master key every verifyd process shares: give \
                 --master-key-file, VERIFYD_MASTER_KEY or --master-key-command"
                    .into(),
            )),
        },
        MasterKeySource::File(path) => load_key_file(path),
        MasterKeySource::Value(text) => Keyring::parse(text),
        MasterKeySource::Command(command) => {
            let output = std::process::Command::new("sh")
                .arg("-c")
                .arg(command)
                .stdin(std::process::Stdio::null())
                .stderr(std::process::Stdio::inherit())
                .output()
                .map_err(|e| StoreError::Keys(format!("master key command could not run: {e}")))?;
            if !output.status.success() {
                return Err(StoreError::Keys(format!(
                    "master key command failed ({})",
                    output.status
                )));
            }
            let text = String::from_utf8(output.stdout).map_err(|_| {
                StoreError::Keys("master key command printed something not UTF-8".into())
            })?;
            Keyring::parse(&text)
        }
    }
}

/// Reads a key file, first creating it (mode 0600, one new key) if it does not exist. Of
/// several processes starting at once, one creates it and the others read that one.
fn load_key_file(path: &Path) -> Result<Keyring> {
    let describe = |e: std::io::Error| StoreError::Keys(format!("{}: {e}", path.display()));
    if !path.exists() {
        // Written whole to a private temporary file, then linked into place: another process
        // starting at the same moment reads either no file or the complete one, never a
        // half-written one; of two creators, the first link wins and both read that key.
        let temporary = path.with_extension(format!("tmp-{}", verifyd_core::random_base62(8)));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let written = options.open(&temporary).and_then(|mut file| {
            use std::io::Write;
            let text = format!(
                "# verifyd master key: keep it secret and apart from the database's backups.\n\
                 # The first key wraps new data keys; keys below it only unwrap older ones.\n{}\n",
                generate_master_key()
            );
            file.write_all(text.as_bytes())?;
            file.sync_all()
        });
        let linked = written.and_then(|()| std::fs::hard_link(&temporary, path));
        let _ = std::fs::remove_file(&temporary);
        match linked {
            Ok(()) => tracing::info!(path = %path.display(), "created a new master key file"),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(describe(e)),
        }
    }
    let text = std::fs::read_to_string(path).map_err(describe)?;
    Keyring::parse(&text)
}

/// A data key, unwrapped, with its id.
#[derive(Clone)]
pub(crate) struct DataKey {
    pub(crate) id: String,
    cipher: Arc<Aes256Gcm>,
}

/// A freshly made data key and what the database stores of it.
pub(crate) struct NewDataKey {
    pub(crate) key: DataKey,
    pub(crate) master_key_id: String,
    pub(crate) wrapped: Vec<u8>,
}

/// The store's cryptography: the keyring, the cache of unwrapped data keys, the blind-index
/// key. Shared by every clone of a store and every transaction.
pub(crate) struct Sealer {
    source: MasterKeySource,
    database_url: String,
    keyring: RwLock<Arc<Keyring>>,
    /// When the keyring was last read again because a data key named an unknown master key.
    last_reload: Mutex<Option<std::time::Instant>>,
    /// The key file, if the keys come from one, with when it was last looked at and its
    /// modification time then: a changed file (a rotation) is read again within
    /// [`FILE_RECHECK`], so new data keys are wrapped under the new current key.
    key_file: Option<PathBuf>,
    file_seen: Mutex<(std::time::Instant, Option<std::time::SystemTime>)>,
    cache: Mutex<HashMap<String, Arc<Aes256Gcm>>>,
    index_key: RwLock<Option<[u8; 32]>>,
    accept_unsealed: std::sync::atomic::AtomicBool,
}

fn aad(label: &[u8], key_id: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(label.len() + key_id.len() + 1);
    out.extend_from_slice(label);
    out.push(0);
    out.extend_from_slice(key_id.as_bytes());
    out
}

fn random_nonce() -> [u8; NONCE_LEN] {
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    nonce
}

impl Sealer {
    pub(crate) fn new(source: MasterKeySource, database_url: &str) -> Result<Self> {
        let keyring = load_keyring(&source, database_url)?;
        let key_file = match &source {
            MasterKeySource::File(path) => Some(path.clone()),
            MasterKeySource::Default => default_key_file(database_url),
            _ => None,
        };
        let modified = key_file.as_deref().and_then(modified_time);
        Ok(Self {
            source,
            database_url: database_url.to_owned(),
            keyring: RwLock::new(Arc::new(keyring)),
            last_reload: Mutex::new(None),
            key_file,
            file_seen: Mutex::new((std::time::Instant::now(), modified)),
            cache: Mutex::new(HashMap::new()),
            index_key: RwLock::new(None),
            accept_unsealed: std::sync::atomic::AtomicBool::new(false),
        })
    }

    pub(crate) fn keyring(&self) -> Arc<Keyring> {
        self.keyring
            .read()
            .map(|k| k.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    /// Reads the keys again (an operator added one for a rotation), at most once a second.
    fn reload(&self) -> bool {
        {
            let mut last = self.last_reload.lock().unwrap_or_else(|e| e.into_inner());
            if last.is_some_and(|t| t.elapsed() < std::time::Duration::from_secs(1)) {
                return false;
            }
            *last = Some(std::time::Instant::now());
        }
        match load_keyring(&self.source, &self.database_url) {
            Ok(keyring) => {
                *self.keyring.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(keyring);
                true
            }
            Err(error) => {
                tracing::warn!(%error, "could not read the master keys again");
                false
            }
        }
    }

    /// Reads the key file again if it changed (looked at no more than every
    /// [`FILE_RECHECK`]).
    fn refresh_from_file(&self) {
        let Some(path) = &self.key_file else {
            return;
        };
        let changed = {
            let mut seen = self.file_seen.lock().unwrap_or_else(|e| e.into_inner());
            if seen.0.elapsed() < FILE_RECHECK {
                return;
            }
            let modified = modified_time(path);
            let changed = modified != seen.1;
            *seen = (std::time::Instant::now(), modified);
            changed
        };
        if changed {
            match load_key_file(path) {
                Ok(keyring) => {
                    tracing::info!(
                        current = keyring.current_id(),
                        "master key file changed; keys read again"
                    );
                    *self.keyring.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(keyring);
                }
                Err(error) => tracing::warn!(%error, "could not read the changed master key file"),
            }
        }
    }

    /// Makes a data key, wrapped under the current master key.
    pub(crate) fn new_data_key(&self) -> NewDataKey {
        self.refresh_from_file();
        let id = format!("dk_{}", verifyd_core::random_base62(24));
        let mut raw = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let keyring = self.keyring();
        let master = &keyring.keys[0];
        let wrapped = wrap(master, &id, &raw);
        let cipher = Arc::new(Aes256Gcm::new_from_slice(&raw).expect("32-byte key"));
        raw.fill(0);
        self.remember(&id, cipher.clone());
        NewDataKey {
            key: DataKey { id, cipher },
            master_key_id: master.id.clone(),
            wrapped,
        }
    }

    /// The raw bytes of a stored data key (for the blind index key, which is used as an
    /// HMAC key rather than a cipher).
    pub(crate) fn unwrap_raw(
        &self,
        id: &str,
        master_key_id: &str,
        wrapped: &[u8],
    ) -> Result<Vec<u8>> {
        let keyring = match self.keyring().get(master_key_id) {
            Some(_) => self.keyring(),
            None if self.reload() => self.keyring(),
            None => self.keyring(),
        };
        let master = keyring.get(master_key_id).ok_or_else(|| {
            StoreError::Keys(format!(
                "data key {id} is wrapped by master key {master_key_id}, which is not configured"
            ))
        })?;
        if wrapped.first() != Some(&WRAPPED_V1) || wrapped.len() < 1 + NONCE_LEN + 16 {
            return Err(StoreError::Corrupt(format!("data key {id} is malformed")));
        }
        let nonce = Nonce::from_slice(&wrapped[1..1 + NONCE_LEN]);
        master
            .cipher
            .decrypt(
                nonce,
                Payload {
                    msg: &wrapped[1 + NONCE_LEN..],
                    aad: &aad(b"verifyd data key", id),
                },
            )
            .map_err(|_| {
                StoreError::Keys(format!(
                    "data key {id} does not open with master key {master_key_id}"
                ))
            })
    }

    /// Unwraps a stored data key and remembers it.
    pub(crate) fn unwrap(&self, id: &str, master_key_id: &str, wrapped: &[u8]) -> Result<DataKey> {
        if let Some(cipher) = self.cached(id) {
            return Ok(DataKey {
                id: id.to_owned(),
                cipher,
            });
        }
        let mut raw = self.unwrap_raw(id, master_key_id, wrapped)?;
        let cipher = Arc::new(
            Aes256Gcm::new_from_slice(&raw)
                .map_err(|_| StoreError::Corrupt(format!("data key {id} is malformed")))?,
        );
        raw.fill(0);
        self.remember(id, cipher.clone());
        Ok(DataKey {
            id: id.to_owned(),
            cipher,
        })
    }

    /// Wraps a data key again under the current master key (rotation).
    pub(crate) fn rewrap(
        &self,
        id: &str,
        master_key_id: &str,
        wrapped: &[u8],
    ) -> Result<(String, Vec<u8>)> {
        let mut raw = self.unwrap_raw(id, master_key_id, wrapped)?;
        let keyring = self.keyring();
        let master = &keyring.keys[0];
        let out = wrap(master, id, &raw);
        raw.fill(0);
        Ok((master.id.clone(), out))
    }

    /// A fresh random key of 32 bytes wrapped for the key id `id` (the blind index key).
    pub(crate) fn new_wrapped_raw(&self, id: &str) -> (String, Vec<u8>) {
        let mut raw = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let keyring = self.keyring();
        let wrapped = wrap(&keyring.keys[0], id, &raw);
        raw.fill(0);
        (keyring.keys[0].id.clone(), wrapped)
    }

    pub(crate) fn cached_key(&self, id: &str) -> Option<DataKey> {
        self.cached(id).map(|cipher| DataKey {
            id: id.to_owned(),
            cipher,
        })
    }

    fn cached(&self, id: &str) -> Option<Arc<Aes256Gcm>> {
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    fn remember(&self, id: &str, cipher: Arc<Aes256Gcm>) {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(id.to_owned(), cipher);
    }

    /// Forgets destroyed data keys.
    pub(crate) fn forget(&self, ids: &[String]) {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        for id in ids {
            cache.remove(id);
        }
    }

    /// Seals `plain` under `key` as a value of `kind`.
    pub(crate) fn seal(&self, key: &DataKey, kind: Kind, plain: &[u8]) -> Vec<u8> {
        let nonce = random_nonce();
        let ciphertext = key
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: &aad(kind.label(), &key.id),
                },
            )
            .expect("AES-GCM encryption of an in-memory value cannot fail");
        let mut out = Vec::with_capacity(2 + key.id.len() + NONCE_LEN + ciphertext.len());
        out.push(SEALED_V1);
        out.push(key.id.len() as u8);
        out.extend_from_slice(key.id.as_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        out
    }

    /// Opens a sealed value of `kind` with its data key.
    pub(crate) fn open(&self, key: &DataKey, kind: Kind, sealed: &[u8]) -> Result<Vec<u8>> {
        if sealed_key_id(sealed)? != Some(key.id.as_str()) {
            return Err(StoreError::Corrupt(format!(
                "a sealed value does not name data key {}",
                key.id
            )));
        }
        let body = &sealed[2 + key.id.len()..];
        if body.len() < NONCE_LEN + 16 {
            return Err(StoreError::Corrupt("sealed value is truncated".into()));
        }
        key.cipher
            .decrypt(
                Nonce::from_slice(&body[..NONCE_LEN]),
                Payload {
                    msg: &body[NONCE_LEN..],
                    aad: &aad(kind.label(), &key.id),
                },
            )
            .map_err(|_| {
                StoreError::Corrupt(format!(
                    "a sealed {} does not open with data key {}",
                    String::from_utf8_lossy(kind.label()),
                    key.id
                ))
            })
    }

    pub(crate) fn set_index_key(&self, raw: &[u8]) -> Result<()> {
        if raw.len() != 32 {
            return Err(StoreError::Corrupt(
                "the blind index key is malformed".into(),
            ));
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(raw);
        *self.index_key.write().unwrap_or_else(|e| e.into_inner()) = Some(key);
        Ok(())
    }

    /// Whether values stored in clear (before sealing existed) are still read as they are:
    /// only while the store seals them at its first start after the upgrade. Afterwards an
    /// unsealed value where a sealed one belongs is refused as corrupt.
    pub(crate) fn accepts_unsealed(&self) -> bool {
        self.accept_unsealed
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn set_accepts_unsealed(&self, accept: bool) {
        self.accept_unsealed
            .store(accept, std::sync::atomic::Ordering::Relaxed);
    }

    /// The blind index of a personal value used in equality lookups: HMAC-SHA-256 under the
    /// database's index key, hex.
    pub(crate) fn blind_index(&self, field: &str, value: &str) -> String {
        let key = self
            .index_key
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .expect("the index key is loaded when the store connects");
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("any key length");
        mac.update(field.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

fn modified_time(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn wrap(master: &MasterKey, id: &str, raw: &[u8]) -> Vec<u8> {
    let nonce = random_nonce();
    let ciphertext = master
        .cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: raw,
                aad: &aad(b"verifyd data key", id),
            },
        )
        .expect("AES-GCM encryption of an in-memory value cannot fail");
    let mut out = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
    out.push(WRAPPED_V1);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    out
}

/// The data key id a sealed value names, or `None` for a value stored before sealing.
pub(crate) fn sealed_key_id(value: &[u8]) -> Result<Option<&str>> {
    if value.first() != Some(&SEALED_V1) {
        return Ok(None);
    }
    let id_len = usize::from(*value.get(1).unwrap_or(&0));
    value
        .get(2..2 + id_len)
        .and_then(|id| std::str::from_utf8(id).ok())
        .map(Some)
        .ok_or_else(|| StoreError::Corrupt("sealed value is truncated".into()))
}

/// Hex SHA-256 of a high-entropy credential (url token, client secret) for lookups.
pub(crate) fn credential_hash(secret: &str) -> String {
    crate::hash_key(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer() -> Sealer {
        let s = Sealer::new(
            MasterKeySource::Value(generate_master_key()),
            "postgres://x",
        )
        .unwrap();
        s.set_index_key(&[7u8; 32]).unwrap();
        s
    }

    #[test]
    fn a_sealed_value_opens_only_as_its_kind_and_with_its_key() {
        let s = sealer();
        let key = s.new_data_key().key;
        let sealed = s.seal(&key, Kind::Session, b"{\"name\":\"Jenny\"}");
        assert!(!sealed.windows(5).any(|w| w == b"Jenny"));
        assert_eq!(sealed_key_id(&sealed).unwrap(), Some(key.id.as_str()));
        assert_eq!(
            s.open(&key, Kind::Session, &sealed).unwrap(),
            b"{\"name\":\"Jenny\"}"
        );
        assert!(s.open(&key, Kind::Report, &sealed).is_err());
        let other = s.new_data_key().key;
        assert!(s.open(&other, Kind::Session, &sealed).is_err());
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(s.open(&key, Kind::Session, &tampered).is_err());
    }

    #[test]
    fn legacy_values_are_recognised_as_unsealed() {
        assert_eq!(sealed_key_id(b"{}").unwrap(), None);
        assert_eq!(sealed_key_id(&[0xff, 0xd8]).unwrap(), None);
        assert!(sealed_key_id(&[1, 40, b'd']).is_err());
    }

    #[test]
    fn a_data_key_unwraps_with_an_older_master_key_and_rewraps_under_the_current_one() {
        let old = generate_master_key();
        let new = generate_master_key();
        let before = Sealer::new(MasterKeySource::Value(old.clone()), "postgres://x").unwrap();
        let made = before.new_data_key();
        let sealed = before.seal(&made.key, Kind::File, b"bytes");

        let during = Sealer::new(
            MasterKeySource::Value(format!("{new}\n{old}")),
            "postgres://x",
        )
        .unwrap();
        let key = during
            .unwrap(&made.key.id, &made.master_key_id, &made.wrapped)
            .unwrap();
        assert_eq!(during.open(&key, Kind::File, &sealed).unwrap(), b"bytes");
        let (master, rewrapped) = during
            .rewrap(&made.key.id, &made.master_key_id, &made.wrapped)
            .unwrap();
        assert_eq!(master, during.keyring().current_id());

        let after = Sealer::new(MasterKeySource::Value(new), "postgres://x").unwrap();
        assert!(after
            .unwrap(&made.key.id, &made.master_key_id, &made.wrapped)
            .is_err());
        let key = after.unwrap(&made.key.id, &master, &rewrapped).unwrap();
        assert_eq!(after.open(&key, Kind::File, &sealed).unwrap(), b"bytes");
    }

    #[test]
    fn key_text_is_validated_and_ids_are_stable() {
        assert!(Keyring::parse("").is_err());
        assert!(Keyring::parse("bm90IDMyIGJ5dGVz").is_err());
        let k = generate_master_key();
        let a = Keyring::parse(&format!("# comment\n{k}\n")).unwrap();
        let b = Keyring::parse(&k).unwrap();
        assert_eq!(a.current_id(), b.current_id());
        assert_eq!(a.current_id().len(), 16);
        assert!(!format!("{:?}", MasterKeySource::Value(k.clone())).contains(&k));
    }

    #[test]
    fn blind_indexes_differ_by_field_and_hide_the_value() {
        let s = sealer();
        let a = s.blind_index("client_reference_id", "ref-1");
        assert_eq!(a, s.blind_index("client_reference_id", "ref-1"));
        assert_ne!(a, s.blind_index("related_customer", "ref-1"));
        assert!(!a.contains("ref-1"));
    }

    #[test]
    fn the_default_key_file_sits_beside_a_sqlite_database() {
        assert_eq!(
            default_key_file("sqlite://data/verifyd.db"),
            Some(PathBuf::from("data/verifyd.db.master-key"))
        );
        assert_eq!(
            default_key_file("sqlite:///abs/v.db?mode=rwc"),
            Some(PathBuf::from("/abs/v.db.master-key"))
        );
        assert_eq!(default_key_file("sqlite::memory:"), None);
        assert_eq!(default_key_file("postgres://u@h/d"), None);
    }

    #[test]
    fn a_missing_key_file_is_created_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        let a = load_key_file(&path).unwrap();
        let b = load_key_file(&path).unwrap();
        assert_eq!(a.current_id(), b.current_id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
