//! Showing a step of an attempt: the template data of each step, built from the session's
//! plan and the attempt's submission, with the problem of a refused post if there was one.
//! Pure: no I/O.

use super::security::{return_url_target, Csp, Framing};
use super::steps::{FlowPlan, Slot, Step};
use super::templates::{
    self, Choice, Chrome, ConsentPage, DetailsErrors, DetailsPage, DetailsValues, DocumentTypePage,
    FlowChrome, IdNumberPage, ImagePage, OutcomeChoice, ReviewPage, ReviewRow,
};
use axum::http::StatusCode;
use axum::response::Response;
use verifyd_core::session::{DocumentType, LastErrorCode, SessionType, VerificationSession};
use verifyd_core::submission::{applicable_failures, Attempt, Channel, TestOutcome};

/// A problem to show on a re-rendered step.
pub(crate) enum Problem {
    None,
    Message(String),
    /// Live mode's quick check of an upload asks for another photo (`name` is the
    /// retake's stable name, for `data-retake`).
    Retake {
        message: String,
        name: &'static str,
    },
    IdNumber {
        value: String,
        message: String,
    },
    Details(DetailsValues, DetailsErrors),
}

pub(crate) fn document_label(t: DocumentType) -> &'static str {
    match t {
        DocumentType::DrivingLicense => "driver's license",
        DocumentType::IdCard => "ID card",
        DocumentType::Passport => "passport",
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn list_in_words(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= 4 {
        return "•".repeat(chars.len());
    }
    let visible: String = chars[chars.len() - 4..].iter().collect();
    format!("{}{visible}", "•".repeat(chars.len() - 4))
}

/// The page layout's data for a session's flow page.
fn chrome_for(
    title: &str,
    page: &'static str,
    session: &VerificationSession,
    attempt: &Attempt,
) -> Chrome {
    let mut chrome = Chrome::new(title, page, !session.livemode);
    if attempt.channel == Channel::Modal {
        chrome.channel = "modal";
    }
    chrome
}

/// The policy of a flow page: never framed (the modal's frame fetches its pages), forms
/// allowed to lead to `return_url` when a link's flow ends there.
fn flow_csp(session: &VerificationSession, attempt: &Attempt) -> Csp {
    match attempt.channel {
        Channel::Link => Csp {
            framing: Framing::Deny,
            form_targets: session
                .return_url
                .as_deref()
                .and_then(return_url_target)
                .into_iter()
                .collect(),
        },
        Channel::Modal => Csp::deny_framing(),
    }
}

fn outcome_choices(session: &VerificationSession) -> Vec<OutcomeChoice> {
    if session.livemode {
        return Vec::new();
    }
    let plan = FlowPlan::for_session(session);
    let mut choices = vec![
        OutcomeChoice {
            name: TestOutcome::Verified.name(),
            label: "Verified".into(),
            description: "Processing succeeds and the session becomes verified.".into(),
            failure: false,
        },
        OutcomeChoice {
            name: TestOutcome::VerifiedDelayed.name(),
            label: "Verified after a delay".into(),
            description:
                "The session stays in processing for about 4 seconds, then becomes verified.".into(),
            failure: false,
        },
    ];
    for code in allowed_failures(session, &plan) {
        choices.push(OutcomeChoice {
            name: code.as_str(),
            label: format!("Fail: {}", code.as_str()),
            description: code.default_reason().to_owned(),
            failure: true,
        });
    }
    choices
}

pub(crate) fn allowed_failures(
    session: &VerificationSession,
    plan: &FlowPlan,
) -> Vec<LastErrorCode> {
    let session_type = match session.session_type {
        SessionType::IdNumber => SessionType::IdNumber,
        _ => SessionType::Document,
    };
    applicable_failures(session_type, plan.selfie, plan.id_number)
}

/// Renders `step` of the attempt with an optional problem.
pub(crate) fn render_step(
    session: &VerificationSession,
    attempt: &Attempt,
    step: Step,
    problem: Problem,
    status: StatusCode,
) -> Response {
    let plan = FlowPlan::for_session(session);
    let id = session.id.as_str().to_owned();
    let (step_number, step_count) = plan.position(step, &attempt.submission);
    let steps = plan.steps(&attempt.submission);
    let back_step = steps
        .iter()
        .position(|&s| s == step)
        .filter(|&i| i >= 2)
        .map(|i| steps[i - 1].slug());
    let flow = FlowChrome {
        session_id: id.clone(),
        csrf_token: attempt.csrf_token.clone(),
        step_number,
        step_count,
        back_step,
        test_outcomes: if attempt.consent {
            outcome_choices(session)
        } else {
            Vec::new()
        },
    };
    let csp = flow_csp(session, attempt);
    let chrome = |title: &str, page| chrome_for(title, page, session, attempt);
    let message = match &problem {
        Problem::Message(m) => Some(m.clone()),
        Problem::Retake { message, .. } => Some(message.clone()),
        Problem::IdNumber { message, .. } => Some(message.clone()),
        _ => None,
    };
    let sub = &attempt.submission;
    let doc_type = plan.document_type(sub);
    let doc_name = doc_type.map(document_label).unwrap_or("document");
    match step {
        Step::Consent => {
            let mut asks = Vec::new();
            if plan.document {
                let names: Vec<&str> = plan.permitted.iter().map(|t| document_label(*t)).collect();
                asks.push(format!(
                    "Photos of your identity document: your {}.",
                    list_in_words(&names)
                ));
                if plan.selfie {
                    asks.push("A selfie, to compare with the photo on your document.".to_owned());
                }
                if plan.id_number {
                    asks.push("Your ID number.".to_owned());
                }
                if plan.live_capture {
                    asks.push(
                        "Access to your device's camera: the photos are taken on this page."
                            .to_owned(),
                    );
                }
            } else {
                asks.push("Your name, date of birth and ID number.".to_owned());
            }
            let page = ConsentPage {
                chrome: chrome("Verify your identity", "consent"),
                action: format!("/verify/s/{id}/consent"),
                csrf_token: attempt.csrf_token.clone(),
                asks,
                step_number,
                step_count,
            };
            templates::page(status, &page, &csp)
        }
        Step::DocumentType => {
            let choices = plan
                .permitted
                .iter()
                .map(|t| Choice {
                    value: t.as_str(),
                    label: match t {
                        DocumentType::DrivingLicense => "Driver's license",
                        DocumentType::IdCard => "ID card",
                        DocumentType::Passport => "Passport",
                    },
                    hint: match t {
                        DocumentType::DrivingLicense => "Front and back.",
                        DocumentType::IdCard => "A national identity card, front and back.",
                        DocumentType::Passport => "The page with your photo.",
                    },
                    checked: sub.document_type == Some(*t),
                })
                .collect();
            let page = DocumentTypePage {
                chrome: chrome("Choose your document", "document-type"),
                flow,
                choices,
                error: message,
            };
            templates::page(status, &page, &csp)
        }
        Step::Front | Step::Back | Step::Selfie => {
            let slot = match step {
                Step::Front => Slot::Front,
                Step::Back => Slot::Back,
                _ => Slot::Selfie,
            };
            let document_tips = vec![
                "Put the document on a flat, plain surface.".to_owned(),
                "Make sure all four corners are visible and the text is sharp.".to_owned(),
                "Avoid glare, shadows and fingers over the document.".to_owned(),
            ];
            let (heading, tips) = match slot {
                Slot::Front if doc_type == Some(DocumentType::Passport) => {
                    ("Photo page of your passport".to_owned(), document_tips)
                }
                Slot::Front => (format!("Front of your {doc_name}"), document_tips),
                Slot::Back => (format!("Back of your {doc_name}"), document_tips),
                Slot::Selfie => (
                    "Take a selfie".to_owned(),
                    vec![
                        "Face the camera in good, even light.".to_owned(),
                        "Take off sunglasses, hats or anything covering your face.".to_owned(),
                        "Make sure only you are in the picture.".to_owned(),
                    ],
                ),
            };
            let page = ImagePage {
                chrome: chrome(&heading, "image"),
                flow,
                slot: slot.name(),
                heading,
                tips,
                camera: plan.live_capture,
                facing: if slot == Slot::Selfie {
                    "user"
                } else {
                    "environment"
                },
                current_image: slot
                    .file(sub)
                    .map(|_| format!("/verify/s/{id}/image/{}", slot.name())),
                retake: match &problem {
                    Problem::Retake { name, .. } => Some(name),
                    _ => None,
                },
                error: message,
            };
            templates::page(status, &page, &csp)
        }
        Step::IdNumber => {
            let value = match problem {
                Problem::IdNumber { value, .. } => value,
                _ => sub.id_number.clone().unwrap_or_default(),
            };
            let page = IdNumberPage {
                chrome: chrome("Your ID number", "id-number"),
                flow,
                id_number: value,
                error: message,
            };
            templates::page(status, &page, &csp)
        }
        Step::Details => {
            let (values, errors) = match problem {
                Problem::Details(values, errors) => (values, errors),
                _ => (
                    DetailsValues {
                        first_name: sub.first_name.clone().unwrap_or_default(),
                        last_name: sub.last_name.clone().unwrap_or_default(),
                        dob_day: sub
                            .dob
                            .and_then(|d| d.day)
                            .map(|d| d.to_string())
                            .unwrap_or_default(),
                        dob_month: sub
                            .dob
                            .and_then(|d| d.month)
                            .map(|d| d.to_string())
                            .unwrap_or_default(),
                        dob_year: sub
                            .dob
                            .and_then(|d| d.year)
                            .map(|d| d.to_string())
                            .unwrap_or_default(),
                        id_number: sub.id_number.clone().unwrap_or_default(),
                    },
                    DetailsErrors::default(),
                ),
            };
            let page = DetailsPage {
                chrome: chrome("Your details", "details"),
                flow,
                values,
                errors,
            };
            templates::page(status, &page, &csp)
        }
        Step::Review => {
            let mut rows = Vec::new();
            let image = |slot: Slot| {
                slot.file(sub)
                    .map(|_| format!("/verify/s/{id}/image/{}", slot.name()))
            };
            let steps = plan.steps(sub);
            if plan.document {
                rows.push(ReviewRow {
                    label: "Document".into(),
                    value: capitalized(doc_name),
                    image: None,
                    change_step: steps
                        .contains(&Step::DocumentType)
                        .then_some("document-type"),
                });
                let front_label = if doc_type == Some(DocumentType::Passport) {
                    "Photo page"
                } else {
                    "Front"
                };
                rows.push(ReviewRow {
                    label: front_label.into(),
                    value: String::new(),
                    image: image(Slot::Front),
                    change_step: Some("front"),
                });
                if steps.contains(&Step::Back) {
                    rows.push(ReviewRow {
                        label: "Back".into(),
                        value: String::new(),
                        image: image(Slot::Back),
                        change_step: Some("back"),
                    });
                }
                if plan.selfie {
                    rows.push(ReviewRow {
                        label: "Selfie".into(),
                        value: String::new(),
                        image: image(Slot::Selfie),
                        change_step: Some("selfie"),
                    });
                }
                if plan.id_number {
                    rows.push(ReviewRow {
                        label: "ID number".into(),
                        value: mask(sub.id_number.as_deref().unwrap_or("")),
                        image: None,
                        change_step: Some("id-number"),
                    });
                }
            } else {
                let name = format!(
                    "{} {}",
                    sub.first_name.as_deref().unwrap_or(""),
                    sub.last_name.as_deref().unwrap_or("")
                );
                rows.push(ReviewRow {
                    label: "Name".into(),
                    value: name.trim().to_owned(),
                    image: None,
                    change_step: Some("details"),
                });
                let dob = sub
                    .dob
                    .map(|d| {
                        format!(
                            "{} {} {}",
                            d.day.unwrap_or(0),
                            MONTHS[(d.month.unwrap_or(1).clamp(1, 12) - 1) as usize],
                            d.year.unwrap_or(0)
                        )
                    })
                    .unwrap_or_default();
                rows.push(ReviewRow {
                    label: "Date of birth".into(),
                    value: dob,
                    image: None,
                    change_step: Some("details"),
                });
                rows.push(ReviewRow {
                    label: "ID number".into(),
                    value: mask(sub.id_number.as_deref().unwrap_or("")),
                    image: None,
                    change_step: Some("details"),
                });
            }
            let page = ReviewPage {
                chrome: chrome("Check and submit", "review"),
                flow,
                rows,
                error: message,
            };
            templates::page(status, &page, &csp)
        }
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_numbers_show_only_their_last_four_characters() {
        assert_eq!(mask("123456789"), "•••••6789");
        assert_eq!(mask("1234"), "••••");
    }
}
