//! `expand[]`: which paths a request may expand and what it asked for. Paths are checked
//! against the objects' expandable fields (depth at most 4; on lists every path starts with
//! `data.`). Sensitive verification results (dates of birth, ID and document numbers,
//! expiry dates, sex, place of birth) are only given to a restricted key that holds the
//! permission AND names the path explicitly; anyone else gets Stripe's 403.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use axum::http::StatusCode;
use std::collections::BTreeMap;
use verifyd_core::keys::Permission;

/// Maximum number of levels in one expand path.
pub const MAX_DEPTH: usize = 4;

/// The tree of requested expansions below one object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expand {
    children: BTreeMap<String, Expand>,
    /// The requested paths that reach sensitive verification results (at the root only).
    sensitive: Vec<String>,
}

static NOTHING: Expand = Expand {
    children: BTreeMap::new(),
    sensitive: Vec::new(),
};

impl Expand {
    pub fn none() -> &'static Expand {
        &NOTHING
    }

    /// Whether `field` (or anything below it) was expanded.
    pub fn has(&self, field: &str) -> bool {
        self.children.contains_key(field)
    }

    /// The expansions requested below `field`.
    pub fn child(&self, field: &str) -> &Expand {
        self.children.get(field).unwrap_or(&NOTHING)
    }

    fn insert(&mut self, segments: &[&str]) {
        if let Some((first, rest)) = segments.split_first() {
            self.children
                .entry((*first).to_owned())
                .or_default()
                .insert(rest);
        }
    }
}

/// The objects that can be expanded into, for path checking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Session,
    Report,
    /// A field with nothing expandable below it.
    Leaf,
    SessionOptions,
    VerifiedOutputs,
    DocumentReport,
    IdNumberReport,
    CheckReport,
    ReportOptions,
}

/// What one field of a target is.
struct Field {
    target: Target,
    sensitive: bool,
    needs: Option<Permission>,
}

const fn leaf() -> Field {
    Field {
        target: Target::Leaf,
        sensitive: false,
        needs: None,
    }
}

const fn sensitive() -> Field {
    Field {
        target: Target::Leaf,
        sensitive: true,
        needs: None,
    }
}

const fn object(target: Target) -> Field {
    Field {
        target,
        sensitive: false,
        needs: None,
    }
}

fn field(target: Target, name: &str) -> Option<Field> {
    Some(match (target, name) {
        (Target::Session, "last_error" | "provided_details" | "redaction" | "related_person") => {
            leaf()
        }
        (Target::Session, "last_verification_report") => Field {
            target: Target::Report,
            sensitive: false,
            needs: Some(Permission::ReportsRead),
        },
        (Target::Session, "options") => object(Target::SessionOptions),
        (Target::Session, "verified_outputs") => object(Target::VerifiedOutputs),
        (Target::SessionOptions, "document" | "email" | "id_number" | "matching" | "phone") => {
            leaf()
        }
        (Target::VerifiedOutputs, "address") => leaf(),
        (
            Target::VerifiedOutputs,
            "dob" | "id_number" | "sex" | "unparsed_place_of_birth" | "unparsed_sex",
        ) => sensitive(),
        (Target::Report, "document") => object(Target::DocumentReport),
        (Target::Report, "id_number") => object(Target::IdNumberReport),
        (Target::Report, "email" | "phone" | "selfie") => object(Target::CheckReport),
        (Target::Report, "options") => object(Target::ReportOptions),
        (Target::DocumentReport, "address" | "error" | "issued_date") => leaf(),
        (
            Target::DocumentReport,
            "dob"
            | "expiration_date"
            | "number"
            | "sex"
            | "unparsed_place_of_birth"
            | "unparsed_sex",
        ) => sensitive(),
        (Target::IdNumberReport, "error") => leaf(),
        (Target::IdNumberReport, "dob" | "id_number") => sensitive(),
        (Target::CheckReport, "error") => leaf(),
        (Target::ReportOptions, "document" | "id_number") => leaf(),
        _ => return None,
    })
}

fn cannot_expand(path: &str, list_hint: bool) -> ApiError {
    let mut message = format!("This property cannot be expanded ({path}).");
    if list_hint {
        message.push_str(&format!(
            " You may want to try expanding 'data.{path}' instead."
        ));
    }
    ApiError::invalid(message)
}

/// The 403 for a sensitive path requested without the right key.
pub fn sensitive_results_forbidden() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "To access sensitive verification results, configure a restricted API key with \
         appropriate permissions. Learn more here: \
         https://stripe.com/docs/identity/access-verification-results.",
    )
}

/// Before sensitive results of one object are shown: refuses them (the whole request, as
/// Stripe does) when the verification is older than 48 hours and the key holds only the
/// "recent" permission, and records the read in the audit log (key, object, paths; never the
/// values). `verified_at` is when the object's verification was processed (its report's
/// `created`), `None` when there is none. For reads; writes use [`allow_sensitive_read_in`].
pub async fn allow_sensitive_read(
    app: &crate::app::AppState,
    caller: &Caller,
    expand: &Expand,
    object_id: &str,
    verified_at: Option<i64>,
) -> ApiResult<()> {
    let Some(detail) = sensitive_read_allowed(app, caller, expand, verified_at)? else {
        return Ok(());
    };
    app.store()
        .record_audit(
            app.clock().now_seconds(),
            &caller.masked_key,
            SENSITIVE_READ,
            Some(object_id),
            Some(&detail),
        )
        .await?;
    Ok(())
}

/// [`allow_sensitive_read`] for a write that expands sensitive paths in its response: the
/// audit entry commits with the write, in its transaction (a second transaction would wait
/// for this one on SQLite's single writer).
pub async fn allow_sensitive_read_in(
    app: &crate::app::AppState,
    tx: &mut verifyd_store::Tx,
    caller: &Caller,
    expand: &Expand,
    object_id: &str,
    verified_at: Option<i64>,
) -> ApiResult<()> {
    let Some(detail) = sensitive_read_allowed(app, caller, expand, verified_at)? else {
        return Ok(());
    };
    tx.record_audit(
        app.clock().now_seconds(),
        &caller.masked_key,
        SENSITIVE_READ,
        Some(object_id),
        Some(&detail),
    )
    .await?;
    Ok(())
}

const SENSITIVE_READ: &str = "sensitive_results.read";

/// The audit detail (the sensitive paths) if sensitive results are asked for and allowed;
/// `None` if none are asked for; the 403 if the verification is too old for the key.
fn sensitive_read_allowed(
    app: &crate::app::AppState,
    caller: &Caller,
    expand: &Expand,
    verified_at: Option<i64>,
) -> ApiResult<Option<String>> {
    if expand.sensitive.is_empty() {
        return Ok(None);
    }
    let now = app.clock().now_seconds();
    let old = verified_at
        .is_some_and(|at| now - at > verifyd_core::keys::RECENT_SENSITIVE_RESULTS_SECONDS);
    if old && !caller.may_read_old_sensitive_results() {
        return Err(sensitive_results_forbidden());
    }
    Ok(Some(expand.sensitive.join(",")))
}

/// Whether any requested path reaches sensitive results.
impl Expand {
    pub fn reaches_sensitive_results(&self) -> bool {
        !self.sensitive.is_empty()
    }
}

/// Checks `paths` against `root` and the caller's rights. For list endpoints (`list`),
/// each path must start with `data.` and the returned tree is the one below `data`.
pub fn parse(
    paths: &[String],
    root: Target,
    list: bool,
    caller: &Caller,
    account_id: &str,
) -> ApiResult<Expand> {
    let mut tree = Expand::default();
    for path in paths {
        let segments: Vec<&str> = path.split('.').collect();
        if segments.iter().any(|s| s.is_empty()) {
            return Err(cannot_expand(path, false));
        }
        let relative: &[&str] = if list {
            match segments.split_first() {
                Some((&"data", rest)) if !rest.is_empty() => rest,
                _ => {
                    let known = field(root, segments[0]).is_some();
                    return Err(cannot_expand(path, known));
                }
            }
        } else {
            &segments
        };
        if relative.len() > MAX_DEPTH {
            return Err(ApiError::invalid(format!(
                "You cannot expand more than {MAX_DEPTH} levels of a property."
            )));
        }
        let mut target = root;
        let mut touches_sensitive = false;
        for segment in relative {
            let Some(f) = field(target, segment) else {
                return Err(cannot_expand(path, false));
            };
            if let Some(permission) = f.needs {
                caller.require(permission, account_id)?;
            }
            touches_sensitive |= f.sensitive;
            target = f.target;
        }
        if touches_sensitive && !caller.may_read_sensitive_results() {
            return Err(sensitive_results_forbidden());
        }
        if touches_sensitive {
            tree.sensitive.push(path.clone());
        }
        tree.insert(relative);
    }
    Ok(tree)
}

#[cfg(test)]
mod tests {
    use super::*;
    use verifyd_core::keys::KeyKind;

    fn caller(kind: KeyKind) -> Caller {
        let permissions = match kind {
            KeyKind::Secret => Permission::ALL.into_iter().collect(),
            _ => Permission::restricted_default(),
        };
        Caller {
            livemode: false,
            kind,
            permissions,
            masked_key: "rk_test_****abcd".into(),
        }
    }

    fn run(paths: &[&str], root: Target, list: bool, kind: KeyKind) -> ApiResult<Expand> {
        let paths: Vec<String> = paths.iter().map(|s| s.to_string()).collect();
        parse(&paths, root, list, &caller(kind), "acct_1")
    }

    #[test]
    fn expandable_paths_build_a_tree() {
        let tree = run(
            &["last_verification_report.document", "verified_outputs"],
            Target::Session,
            false,
            KeyKind::Secret,
        )
        .unwrap();
        assert!(tree.has("verified_outputs"));
        assert!(tree.child("last_verification_report").has("document"));
        assert!(!tree.has("provided_details"));
    }

    #[test]
    fn unknown_and_scalar_paths_cannot_be_expanded() {
        let err = run(&["status"], Target::Session, false, KeyKind::Secret).unwrap_err();
        assert_eq!(err.message, "This property cannot be expanded (status).");
        assert!(run(
            &["verified_outputs.first_name"],
            Target::Session,
            false,
            KeyKind::Secret
        )
        .is_err());
        assert!(run(
            &["last_error.code"],
            Target::Session,
            false,
            KeyKind::Secret
        )
        .is_err());
    }

    #[test]
    fn list_paths_need_the_data_prefix() {
        let err = run(
            &["verified_outputs"],
            Target::Session,
            true,
            KeyKind::Secret,
        )
        .unwrap_err();
        assert!(err.message.contains("'data.verified_outputs'"));
        let tree = run(
            &["data.verified_outputs"],
            Target::Session,
            true,
            KeyKind::Secret,
        )
        .unwrap();
        assert!(tree.has("verified_outputs"));
    }

    #[test]
    fn sensitive_paths_need_a_restricted_key() {
        let err = run(
            &["verified_outputs.dob"],
            Target::Session,
            false,
            KeyKind::Secret,
        )
        .unwrap_err();
        assert_eq!(err.status, StatusCode::FORBIDDEN);
        let err = run(
            &["last_verification_report.document.number"],
            Target::Session,
            false,
            KeyKind::Secret,
        )
        .unwrap_err();
        assert_eq!(err.status, StatusCode::FORBIDDEN);
        let tree = run(
            &["verified_outputs.dob"],
            Target::Session,
            false,
            KeyKind::Restricted,
        )
        .unwrap();
        assert!(tree.child("verified_outputs").has("dob"));
    }

    #[test]
    fn paths_deeper_than_four_levels_are_refused() {
        let err = run(&["a.b.c.d.e"], Target::Session, false, KeyKind::Secret).unwrap_err();
        assert_eq!(
            err.message,
            "You cannot expand more than 4 levels of a property."
        );
    }
}
