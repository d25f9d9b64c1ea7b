//! The page of each step: [`render_step`] shows a step of an attempt, with the refusal of
//! the post that brought it back if there was one, and one function per step turns the
//! session's plan and the attempt's submission into that step's template data, in the
//! language the attempt chose (else the request's). What the pages say is in the message
//! catalogues. Pure: no I/O.

use super::i18n::Locale;
use super::input::{Problem, Refusal};
use super::security::{return_url_target, Csp, Framing};
use super::steps::{FlowPlan, Slot, Step};
use super::templates::{
    self, Chrome, ConsentPage, DetailsErrors, DetailsPage, DetailsValues, DocumentChoice,
    DocumentTypePage, FlowChrome, IdNumberPage, ImagePage, ReviewItem, ReviewPage, ReviewRow,
    Switcher,
};
use crate::branding::Branding;
use axum::http::StatusCode;
use axum::response::Response;
use verifyd_core::session::{DocumentType, VerificationSession};
use verifyd_core::submission::{Attempt, Channel, Submission, TestOutcome};

/// What every step's page is built from.
struct StepView<'a> {
    brand: &'a Branding,
    session: &'a VerificationSession,
    attempt: &'a Attempt,
    plan: FlowPlan,
    step: Step,
}

impl StepView<'_> {
    fn submission(&self) -> &Submission {
        &self.attempt.submission
    }

    /// The step page's context: in the attempt's chosen language (else the request's), with
    /// the language switcher.
    fn chrome(&self, page: &'static str) -> Chrome {
        let mut chrome = Chrome::new(self.brand, page, !self.session.livemode);
        if let Some(chosen) = self.attempt.locale.as_deref().and_then(Locale::exact) {
            chrome = chrome.in_language(chosen);
        }
        chrome.switcher = Some(Switcher {
            action: format!("/verify/s/{}/language", self.session.id.as_str()),
            csrf_token: self.attempt.csrf_token.clone(),
            step: self.step.slug(),
        });
        match self.attempt.channel {
            Channel::Link => chrome,
            Channel::Modal => chrome.in_modal(None),
        }
    }

    fn flow(&self) -> FlowChrome {
        let steps = self.plan.steps(self.submission());
        let (step_number, step_count) = self.plan.position(self.step, self.submission());
        FlowChrome {
            session_id: self.session.id.as_str().to_owned(),
            csrf_token: self.attempt.csrf_token.clone(),
            step_number,
            step_count,
            back_step: steps
                .iter()
                .position(|&s| s == self.step)
                .filter(|&i| i >= 2)
                .map(|i| steps[i - 1].slug()),
            test_outcomes: if self.session.livemode || !self.attempt.consent {
                Vec::new()
            } else {
                [TestOutcome::Verified, TestOutcome::VerifiedDelayed]
                    .into_iter()
                    .chain(self.plan.test_failures().into_iter().map(TestOutcome::Fail))
                    .collect()
            },
        }
    }

    /// The address of the image the attempt holds for `slot`, if any.
    fn image(&self, slot: Slot) -> Option<String> {
        slot.file(self.submission()).map(|_| {
            format!(
                "/verify/s/{}/image/{}",
                self.session.id.as_str(),
                slot.name()
            )
        })
    }
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

/// Renders `step` of the attempt; after a refused post, with the refusal (and its status).
pub(crate) fn render_step(
    brand: &Branding,
    session: &VerificationSession,
    attempt: &Attempt,
    step: Step,
    refusal: Option<Refusal>,
) -> Response {
    let status = refusal.as_ref().map_or(StatusCode::OK, Refusal::status);
    let problem = refusal.as_ref().and_then(Refusal::problem);
    let csp = flow_csp(session, attempt);
    let view = StepView {
        brand,
        session,
        attempt,
        plan: FlowPlan::for_session(session),
        step,
    };
    match step {
        Step::Consent => templates::page(status, &consent(&view), &csp),
        Step::DocumentType => templates::page(status, &document_type(&view, problem), &csp),
        Step::Front => templates::page(status, &image(&view, Slot::Front, problem), &csp),
        Step::Back => templates::page(status, &image(&view, Slot::Back, problem), &csp),
        Step::Selfie => templates::page(status, &image(&view, Slot::Selfie, problem), &csp),
        Step::IdNumber => templates::page(status, &id_number(&view, refusal), &csp),
        Step::Details => templates::page(status, &details(&view, refusal), &csp),
        Step::Review => templates::page(status, &review(&view, problem), &csp),
    }
}

fn consent(view: &StepView) -> ConsentPage {
    ConsentPage {
        chrome: view.chrome("consent"),
        flow: view.flow(),
        plan: view.plan.clone(),
    }
}

fn document_type(view: &StepView, error: Option<Problem>) -> DocumentTypePage {
    let chosen = view.submission().document_type;
    DocumentTypePage {
        chrome: view.chrome("document-type"),
        flow: view.flow(),
        choices: view
            .plan
            .permitted
            .iter()
            .map(|&document| DocumentChoice {
                document,
                checked: chosen == Some(document),
            })
            .collect(),
        error,
    }
}

fn image(view: &StepView, slot: Slot, error: Option<Problem>) -> ImagePage {
    ImagePage {
        chrome: view.chrome("image"),
        flow: view.flow(),
        slot,
        document: view.plan.document_type(view.submission()),
        camera: view.plan.live_capture,
        current_image: view.image(slot),
        error,
    }
}

fn id_number(view: &StepView, refusal: Option<Refusal>) -> IdNumberPage {
    let error = refusal.as_ref().and_then(Refusal::problem);
    let id_number = match refusal {
        Some(Refusal::IdNumber { typed, .. }) => typed,
        _ => view.submission().id_number.clone().unwrap_or_default(),
    };
    IdNumberPage {
        chrome: view.chrome("id-number"),
        flow: view.flow(),
        id_number,
        error,
    }
}

/// The details step shows the fields' own problems; a refusal of another kind (a submit
/// before this step was done) shows the form as the submission holds it.
fn details(view: &StepView, refusal: Option<Refusal>) -> DetailsPage {
    let (values, errors) = match refusal {
        Some(Refusal::Details(typed)) => *typed,
        _ => (details_held(view.submission()), DetailsErrors::default()),
    };
    DetailsPage {
        chrome: view.chrome("details"),
        flow: view.flow(),
        values,
        errors,
    }
}

/// The details form as the submission holds it.
fn details_held(sub: &Submission) -> DetailsValues {
    fn text(value: Option<impl ToString>) -> String {
        value.map(|v| v.to_string()).unwrap_or_default()
    }
    let dob = sub.dob.unwrap_or_default();
    DetailsValues {
        first_name: text(sub.first_name.as_ref()),
        last_name: text(sub.last_name.as_ref()),
        dob_day: text(dob.day),
        dob_month: text(dob.month),
        dob_year: text(dob.year),
        id_number: text(sub.id_number.as_ref()),
    }
}

/// Only the last four characters of an ID number.
fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= 4 {
        return "•".repeat(chars.len());
    }
    let visible: String = chars[chars.len() - 4..].iter().collect();
    format!("{}{visible}", "•".repeat(chars.len() - 4))
}

fn review(view: &StepView, error: Option<Problem>) -> ReviewPage {
    let sub = view.submission();
    let plan = &view.plan;
    let steps = plan.steps(sub);
    let masked = ReviewItem::IdNumber {
        masked: mask(sub.id_number.as_deref().unwrap_or("")),
    };
    let row = |item, change_step| ReviewRow { item, change_step };
    let mut rows = Vec::new();
    if plan.document {
        let document = plan.document_type(sub);
        let passport = document == Some(DocumentType::Passport);
        let image = |slot: Slot| ReviewItem::Image {
            slot,
            passport,
            image: view.image(slot),
        };
        let change_type = steps.contains(&Step::DocumentType);
        rows.push(row(
            ReviewItem::Document(document),
            change_type.then_some("document-type"),
        ));
        rows.push(row(image(Slot::Front), Some("front")));
        if steps.contains(&Step::Back) {
            rows.push(row(image(Slot::Back), Some("back")));
        }
        if plan.selfie {
            rows.push(row(image(Slot::Selfie), Some("selfie")));
        }
        if plan.id_number {
            rows.push(row(masked, Some("id-number")));
        }
    } else {
        let name = format!(
            "{} {}",
            sub.first_name.as_deref().unwrap_or(""),
            sub.last_name.as_deref().unwrap_or("")
        );
        let dob = sub.dob.map(|d| {
            (
                d.day.unwrap_or(0),
                d.month.unwrap_or(1).clamp(1, 12),
                d.year.unwrap_or(0),
            )
        });
        rows.push(row(
            ReviewItem::Name(name.trim().to_owned()),
            Some("details"),
        ));
        rows.push(row(ReviewItem::DateOfBirth(dob), Some("details")));
        rows.push(row(masked, Some("details")));
    }
    ReviewPage {
        chrome: view.chrome("review"),
        flow: view.flow(),
        rows,
        error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_numbers_show_only_their_last_four_characters() {
        assert_eq!(mask("123456789"), "•••••6789");
        assert_eq!(mask("1234"), "••••");
    }
}
