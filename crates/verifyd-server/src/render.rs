//! Rendering domain objects as Stripe's JSON. Fields the schema always carries are always
//! present (null when unset); `verified_outputs` and `provided_details` appear only when
//! expanded; sensitive fields appear only when their path was expanded (the caller's right
//! to ask was checked in `expand`). `client_secret` and `url` appear only while usable.

use crate::expand::Expand;
use serde_json::{json, Map, Value};
use verifyd_core::report::{
    CheckError, DocumentReport, IdNumberReport, ReportOptions, SelfieReport, VerificationReport,
};
use verifyd_core::session::{Address, Date, DocumentOptions, VerificationSession};

/// What rendering needs besides the object.
#[derive(Debug, Clone, Copy)]
pub struct RenderContext<'a> {
    pub now_millis: i64,
    pub public_base_url: &'a str,
}

fn address(a: &Option<Address>) -> Value {
    match a {
        None => Value::Null,
        Some(a) => json!({
            "city": a.city, "country": a.country, "line1": a.line1,
            "line2": a.line2, "postal_code": a.postal_code, "state": a.state,
        }),
    }
}

fn date(d: &Option<Date>) -> Value {
    match d {
        None => Value::Null,
        Some(d) => json!({ "day": d.day, "month": d.month, "year": d.year }),
    }
}

fn document_options(o: &DocumentOptions) -> Value {
    let mut map = Map::new();
    if let Some(types) = &o.allowed_types {
        map.insert(
            "allowed_types".into(),
            json!(types.iter().map(|t| t.as_str()).collect::<Vec<_>>()),
        );
    }
    for (name, value) in [
        ("require_id_number", o.require_id_number),
        ("require_live_capture", o.require_live_capture),
        ("require_matching_selfie", o.require_matching_selfie),
    ] {
        if let Some(v) = value {
            map.insert(name.into(), json!(v));
        }
    }
    Value::Object(map)
}

/// Public URL of the hosted verification page for a url token.
pub fn verification_url(base: &str, token: &str) -> String {
    format!("{}/verify/start/{token}", base.trim_end_matches('/'))
}

/// A VerificationSession. `report` is the last report, needed only when expanded.
pub fn session(
    s: &VerificationSession,
    expand: &Expand,
    report: Option<&VerificationReport>,
    ctx: RenderContext<'_>,
) -> Value {
    let mut options = Map::new();
    if let Some(doc) = &s.options.document {
        options.insert("document".into(), document_options(doc));
    }
    let last_verification_report = match (&s.last_verification_report, report) {
        (Some(_), Some(r)) if expand.has("last_verification_report") => {
            verification_report(r, expand.child("last_verification_report"))
        }
        (Some(id), _) => json!(id.as_str()),
        (None, _) => Value::Null,
    };
    let mut out = json!({
        "id": s.id.as_str(),
        "object": "identity.verification_session",
        "client_reference_id": s.client_reference_id,
        "client_secret": s.visible_client_secret(ctx.now_millis),
        "created": s.created,
        "last_error": s.last_error.as_ref().map(|e| json!({
            "code": e.code.map(|c| c.as_str()),
            "reason": e.reason,
        })),
        "last_verification_report": last_verification_report,
        "livemode": s.livemode,
        "metadata": s.metadata,
        "options": options,
        "redaction": s.redaction.map(|r| json!({ "status": r.status.as_str() })),
        "related_customer": s.related_customer,
        "related_customer_account": s.related_customer_account,
        "status": s.status.as_str(),
        "type": s.session_type.as_str(),
        "url": s
            .visible_url_token(ctx.now_millis)
            .map(|t| verification_url(ctx.public_base_url, t)),
    });
    let map = out.as_object_mut().expect("object literal");
    if let Some(person) = &s.related_person {
        map.insert(
            "related_person".into(),
            json!({ "account": person.account, "person": person.person }),
        );
    }
    if let Some(flow) = &s.verification_flow {
        map.insert("verification_flow".into(), json!(flow));
    }
    if expand.has("provided_details") {
        map.insert(
            "provided_details".into(),
            match &s.provided_details {
                None => Value::Null,
                Some(d) => {
                    let mut details = Map::new();
                    if let Some(email) = &d.email {
                        details.insert("email".into(), json!(email));
                    }
                    if let Some(phone) = &d.phone {
                        details.insert("phone".into(), json!(phone));
                    }
                    Value::Object(details)
                }
            },
        );
    }
    if expand.has("verified_outputs") {
        let wanted = expand.child("verified_outputs");
        map.insert(
            "verified_outputs".into(),
            match &s.verified_outputs {
                None => Value::Null,
                Some(v) => {
                    let mut outputs = json!({
                        "address": address(&v.address),
                        "email": v.email,
                        "first_name": v.first_name,
                        "id_number_type": v.id_number_type.map(|t| t.as_str()),
                        "last_name": v.last_name,
                        "phone": v.phone,
                    });
                    let o = outputs.as_object_mut().expect("object literal");
                    if wanted.has("dob") {
                        o.insert("dob".into(), date(&v.dob));
                    }
                    if wanted.has("id_number") {
                        o.insert("id_number".into(), json!(v.id_number));
                    }
                    if wanted.has("sex") {
                        o.insert("sex".into(), json!(v.sex.map(|s| s.as_str())));
                    }
                    if wanted.has("unparsed_place_of_birth") {
                        o.insert(
                            "unparsed_place_of_birth".into(),
                            json!(v.unparsed_place_of_birth),
                        );
                    }
                    if wanted.has("unparsed_sex") {
                        o.insert("unparsed_sex".into(), json!(v.unparsed_sex));
                    }
                    outputs
                }
            },
        );
    }
    out
}

fn check_error(e: &Option<CheckError>) -> Value {
    match e {
        None => Value::Null,
        Some(e) => json!({ "code": e.code, "reason": e.reason }),
    }
}

fn document_report(d: &DocumentReport, wanted: &Expand) -> Value {
    let mut out = json!({
        "address": address(&d.address),
        "error": check_error(&d.error),
        "files": d.files,
        "first_name": d.first_name,
        "issued_date": date(&d.issued_date),
        "issuing_country": d.issuing_country,
        "last_name": d.last_name,
        "status": d.status.as_str(),
        "type": d.document_type.map(|t| t.as_str()),
    });
    let o = out.as_object_mut().expect("object literal");
    if wanted.has("dob") {
        o.insert("dob".into(), date(&d.dob));
    }
    if wanted.has("expiration_date") {
        o.insert("expiration_date".into(), date(&d.expiration_date));
    }
    if wanted.has("number") {
        o.insert("number".into(), json!(d.number));
    }
    if wanted.has("sex") {
        o.insert("sex".into(), json!(d.sex.map(|s| s.as_str())));
    }
    if wanted.has("unparsed_place_of_birth") {
        o.insert(
            "unparsed_place_of_birth".into(),
            json!(d.unparsed_place_of_birth),
        );
    }
    if wanted.has("unparsed_sex") {
        o.insert("unparsed_sex".into(), json!(d.unparsed_sex));
    }
    out
}

fn id_number_report(r: &IdNumberReport, wanted: &Expand) -> Value {
    let mut out = json!({
        "error": check_error(&r.error),
        "first_name": r.first_name,
        "id_number_type": r.id_number_type.map(|t| t.as_str()),
        "last_name": r.last_name,
        "status": r.status.as_str(),
    });
    let o = out.as_object_mut().expect("object literal");
    if wanted.has("dob") {
        o.insert("dob".into(), date(&r.dob));
    }
    if wanted.has("id_number") {
        o.insert("id_number".into(), json!(r.id_number));
    }
    out
}

fn selfie_report(r: &SelfieReport) -> Value {
    json!({
        "document": r.document,
        "error": check_error(&r.error),
        "selfie": r.selfie,
        "status": r.status.as_str(),
    })
}

fn report_options(o: &ReportOptions) -> Value {
    let mut map = Map::new();
    if let Some(doc) = &o.document {
        map.insert("document".into(), document_options(doc));
    }
    if o.id_number {
        map.insert("id_number".into(), json!({}));
    }
    Value::Object(map)
}

/// A VerificationReport.
pub fn verification_report(r: &VerificationReport, expand: &Expand) -> Value {
    let mut out = json!({
        "id": r.id.as_str(),
        "object": "identity.verification_report",
        "client_reference_id": r.client_reference_id,
        "created": r.created,
        "livemode": r.livemode,
        "options": report_options(&r.options),
        "type": r.report_type.as_str(),
        "verification_session": r.verification_session.as_ref().map(|s| s.as_str()),
    });
    let o = out.as_object_mut().expect("object literal");
    if let Some(d) = &r.document {
        o.insert(
            "document".into(),
            document_report(d, expand.child("document")),
        );
    }
    if let Some(i) = &r.id_number {
        o.insert(
            "id_number".into(),
            id_number_report(i, expand.child("id_number")),
        );
    }
    if let Some(s) = &r.selfie {
        o.insert("selfie".into(), selfie_report(s));
    }
    if let Some(e) = &r.email {
        o.insert(
            "email".into(),
            json!({ "email": e.email, "error": check_error(&e.error), "status": e.status.as_str() }),
        );
    }
    if let Some(p) = &r.phone {
        o.insert(
            "phone".into(),
            json!({ "error": check_error(&p.error), "phone": p.phone, "status": p.status.as_str() }),
        );
    }
    if let Some(flow) = &r.verification_flow {
        o.insert("verification_flow".into(), json!(flow));
    }
    out
}

/// A list object.
pub fn list(url: &str, data: Vec<Value>, has_more: bool) -> Value {
    json!({ "object": "list", "data": data, "has_more": has_more, "url": url })
}
