//! The askama templates of the hosted pages (files under `templates/`) and what each one is
//! given. Templates auto-escape everything; they get only display data — never a client
//! secret, URL token or binding secret (the CSRF token is the one secret a page carries,
//! in its forms). [`page`] turns a rendered template into a response with its policy.

use super::security::{Csp, Framing};
use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// What the layout needs on every page.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub title: String,
    /// `data-page` on `<body>`, for the page script and tests.
    pub page: &'static str,
    pub test_mode: bool,
    /// `link` or `modal`.
    pub channel: &'static str,
    /// The modal's frame page only: the parent page's origin, the only target of
    /// `postMessage`.
    pub parent_origin: Option<String>,
    /// In the modal: the result the frame hands its parent when it shows this page.
    pub result: Option<ModalResult>,
}

impl Chrome {
    pub fn new(title: impl Into<String>, page: &'static str, test_mode: bool) -> Self {
        Self {
            title: title.into(),
            page,
            test_mode,
            channel: "link",
            parent_origin: None,
            result: None,
        }
    }
}

/// What `verifyIdentity()` resolves with: `{}` or `{error: {code, message}}`.
#[derive(Debug, Clone)]
pub struct ModalResult {
    /// `None` for success.
    pub error_code: Option<&'static str>,
    pub error_message: String,
}

impl ModalResult {
    pub fn submitted() -> Self {
        Self {
            error_code: None,
            error_message: String::new(),
        }
    }

    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            error_code: Some(code),
            error_message: message.into(),
        }
    }
}

/// Shared by the steps after consent.
#[derive(Debug, Clone)]
pub struct FlowChrome {
    pub session_id: String,
    pub csrf_token: String,
    pub step_number: usize,
    pub step_count: usize,
    /// `?step=` of the previous step, if there is one to go back to (not consent).
    pub back_step: Option<&'static str>,
    /// Test mode only: the outcomes the tester may pick.
    pub test_outcomes: Vec<OutcomeChoice>,
}

impl FlowChrome {
    pub fn action(&self, name: &str) -> String {
        format!("/verify/s/{}/{name}", self.session_id)
    }
}

#[derive(Debug, Clone)]
pub struct OutcomeChoice {
    pub name: &'static str,
    pub label: String,
    pub description: String,
    pub failure: bool,
}

/// A link at the end of a message page.
#[derive(Debug, Clone)]
pub struct PageLink {
    pub href: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub chrome: Chrome,
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub link: Option<PageLink>,
    /// `data-testid` of the page's heading (e.g. `expired`).
    pub testid: &'static str,
}

#[derive(Template)]
#[template(path = "consent.html")]
pub struct ConsentPage {
    pub chrome: Chrome,
    pub action: String,
    pub csrf_token: String,
    pub asks: Vec<String>,
    pub step_number: usize,
    pub step_count: usize,
}

#[derive(Debug, Clone)]
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "document_type.html")]
pub struct DocumentTypePage {
    pub chrome: Chrome,
    pub flow: FlowChrome,
    pub choices: Vec<Choice>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "image.html")]
pub struct ImagePage {
    pub chrome: Chrome,
    pub flow: FlowChrome,
    pub slot: &'static str,
    pub heading: String,
    pub tips: Vec<String>,
    /// Live capture: the camera instead of a file picker.
    pub camera: bool,
    /// `environment` (documents) or `user` (selfie).
    pub facing: &'static str,
    /// URL of the image already given for this step, if any.
    pub current_image: Option<String>,
    /// Why live mode's quick check asks for another photo (its stable name).
    pub retake: Option<&'static str>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "id_number.html")]
pub struct IdNumberPage {
    pub chrome: Chrome,
    pub flow: FlowChrome,
    pub id_number: String,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct DetailsValues {
    pub first_name: String,
    pub last_name: String,
    pub dob_day: String,
    pub dob_month: String,
    pub dob_year: String,
    pub id_number: String,
}

#[derive(Debug, Clone, Default)]
pub struct DetailsErrors {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub dob: Option<String>,
    pub id_number: Option<String>,
}

impl DetailsErrors {
    pub fn any(&self) -> bool {
        self.first_name.is_some()
            || self.last_name.is_some()
            || self.dob.is_some()
            || self.id_number.is_some()
    }

    /// `(field id, message)` pairs for the error summary.
    pub fn list(&self) -> Vec<(&'static str, String)> {
        [
            ("first_name", &self.first_name),
            ("last_name", &self.last_name),
            ("dob_day", &self.dob),
            ("id_number", &self.id_number),
        ]
        .into_iter()
        .filter_map(|(id, e)| e.clone().map(|m| (id, m)))
        .collect()
    }
}

#[derive(Template)]
#[template(path = "details.html")]
pub struct DetailsPage {
    pub chrome: Chrome,
    pub flow: FlowChrome,
    pub values: DetailsValues,
    pub errors: DetailsErrors,
}

#[derive(Debug, Clone)]
pub struct ReviewRow {
    pub label: String,
    pub value: String,
    pub image: Option<String>,
    /// `?step=` of the step that changes this row, if it can be changed.
    pub change_step: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "review.html")]
pub struct ReviewPage {
    pub chrome: Chrome,
    pub flow: FlowChrome,
    pub rows: Vec<ReviewRow>,
    pub error: Option<String>,
}

/// The modal's frame (`/verify/modal`): the backdrop, the panel with its Close button, and
/// the place where the flow's pages are shown. `chrome.parent_origin` is the only origin it
/// talks to.
#[derive(Template)]
#[template(path = "modal.html")]
pub struct ModalFramePage {
    pub chrome: Chrome,
}

/// Renders `template` as an HTML response with `status` and the page's `csp`.
pub fn page(status: StatusCode, template: &impl Template, csp: &Csp) -> Response {
    let html = match template.render() {
        Ok(html) => html,
        Err(error) => {
            tracing::error!(%error, "page template failed to render");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "Something went wrong on our side. Please try again.",
            )
                .into_response();
        }
    };
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&csp.header_value()) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    if csp.framing == Framing::Deny {
        // For browsers that predate `frame-ancestors`.
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    response
}
