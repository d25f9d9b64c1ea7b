//! The askama templates of the hosted pages (files under `templates/`) and the data each one
//! is given. The words live in the message catalogues (`locales/*.ftl`, see [`i18n`]), not
//! here: Rust hands a template what its page is about (a step, a document type, a
//! [`Problem`], a [`Message`]) and the template asks [`Chrome`] for the message that says it
//! in the page's language. [`Chrome::new`] is the one place where the context every page
//! shares is built; [`page`] turns a rendered template into a response with its policy.
//!
//! Templates auto-escape everything, translated messages included (a message holds no
//! markup); they get only display data — never a client secret, URL token or binding secret
//! (the CSRF token is the one secret a page carries, in its forms).

use super::i18n::{self, Arg, Locale};
use super::input::Problem;
use super::security::{Csp, Framing};
use super::steps::{FlowPlan, Slot};
use crate::branding::Branding;
use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use verifyd_core::session::DocumentType;
use verifyd_core::submission::TestOutcome;

/// What the layout needs on every page.
#[derive(Debug, Clone)]
pub struct Chrome {
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
    /// The operator's business name, icon and accent (`--business-name`, …).
    pub brand: Branding,
    /// The page's language.
    pub lang: Locale,
    /// The step pages only: the language switcher's form.
    pub switcher: Option<Switcher>,
    /// The modal's frame page only: the language the integrator asked for
    /// (`Stripe(pk, {locale})`), which the frame sends on when it opens the attempt.
    pub requested_locale: Option<String>,
}

/// The language switcher of a step page: a form posting to the attempt (CSRF-protected),
/// answered with a redirect back to `step`.
#[derive(Debug, Clone)]
pub struct Switcher {
    pub action: String,
    pub csrf_token: String,
    /// `?step=` of the page it is on.
    pub step: &'static str,
}

/// A box of the date of birth, in the order the language writes dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatePart {
    Day,
    Month,
    Year,
}

/// The largest image the pages accept, as the pages say it (`10 MB`).
const MAX_IMAGE_MEGABYTES: u32 = 10;

impl Chrome {
    /// The context of every page, built here and nowhere else. The page is in the language
    /// its request negotiated from `Accept-Language` until [`Chrome::in_language`] says
    /// otherwise.
    pub fn new(brand: &Branding, page: &'static str, test_mode: bool) -> Self {
        Self {
            page,
            test_mode,
            channel: "link",
            parent_origin: None,
            result: None,
            brand: brand.clone(),
            lang: i18n::request_locale(),
            switcher: None,
            requested_locale: None,
        }
    }

    /// The page in `lang` (an attempt's explicit choice).
    pub fn in_language(self, lang: Locale) -> Self {
        Self { lang, ..self }
    }

    /// The message `id` in the page's language. Every message can use `$named` (`yes` when
    /// a business name is configured) and `$business`.
    pub fn t(&self, id: &str) -> String {
        self.text(id, Vec::new())
    }

    fn text<'a>(&'a self, id: &str, mut args: Vec<(&'a str, Arg<'a>)>) -> String {
        let name = self.business();
        args.push(("named", if name.is_some() { "yes" } else { "no" }.into()));
        args.push(("business", name.unwrap_or("").into()));
        self.lang.text(id, &args)
    }

    /// The switcher's languages.
    pub fn languages(&self) -> Vec<Locale> {
        Locale::all().collect()
    }

    /// "Step 2 of 5".
    pub fn step_of(&self, number: &usize, count: &usize) -> String {
        self.text(
            "step-of",
            vec![("number", (*number).into()), ("count", (*count).into())],
        )
    }

    /// A message whose `$megabytes` is the largest image's size.
    pub fn megabytes(&self, id: &str) -> String {
        self.text(id, vec![("megabytes", MAX_IMAGE_MEGABYTES.into())])
    }

    /// A message about `document` (`$document`: its API name).
    pub fn document(&self, id: &str, document: &DocumentType) -> String {
        self.text(id, vec![("document", document.as_str().into())])
    }

    /// The consent page's line about the document: the permitted types joined by "or".
    pub fn consent_documents(&self, permitted: &[DocumentType]) -> String {
        let names: Vec<String> = permitted
            .iter()
            .map(|d| self.document("document-in-sentence", d))
            .collect();
        let documents = match names.as_slice() {
            [one] => one.clone(),
            [first, second] => self.text(
                "list-or-two",
                vec![
                    ("first", first.as_str().into()),
                    ("second", second.as_str().into()),
                ],
            ),
            [first, second, third, ..] => self.text(
                "list-or-three",
                vec![
                    ("first", first.as_str().into()),
                    ("second", second.as_str().into()),
                    ("third", third.as_str().into()),
                ],
            ),
            [] => String::new(),
        };
        self.text("consent-documents", vec![("documents", documents.into())])
    }

    /// The heading of an image step.
    pub fn image_heading(&self, slot: &Slot, document: &Option<DocumentType>) -> String {
        self.text(
            "image-heading",
            vec![
                ("slot", slot.name().into()),
                (
                    "document",
                    document.map_or("none", DocumentType::as_str).into(),
                ),
            ],
        )
    }

    /// What the camera's status line says once the camera is on (read by the page script).
    pub fn camera_on(&self, slot: &Slot) -> String {
        self.text("camera-on", vec![("slot", slot.name().into())])
    }

    /// Why a post was refused.
    pub fn problem(&self, problem: &Problem) -> String {
        let (id, args) = problem.message();
        self.text(id, args)
    }

    /// A test outcome's button: "Fail: <code>" (the code is the API's, not translated).
    pub fn test_failure(&self, code: &str) -> String {
        self.text("test-outcome-fail", vec![("code", code.into())])
    }

    /// The label of a row of the review page.
    pub fn review_label(&self, item: &ReviewItem) -> String {
        match item {
            ReviewItem::Document(_) => self.t("review-document"),
            ReviewItem::Image {
                slot: Slot::Front,
                passport: true,
                ..
            } => self.t("review-photo-page"),
            ReviewItem::Image { slot, .. } => self.t(match slot {
                Slot::Front => "review-front",
                Slot::Back => "review-back",
                Slot::Selfie => "review-selfie",
            }),
            ReviewItem::IdNumber { .. } => self.t("id-number-label"),
            ReviewItem::Name(_) => self.t("review-name"),
            ReviewItem::DateOfBirth(_) => self.t("date-of-birth"),
        }
    }

    /// A date of birth as the language writes it (`27 March 1990`, `27. März 1990`).
    pub fn date_long(&self, day: &u32, month: &u32, year: &i32) -> String {
        self.text(
            "date-long",
            vec![
                ("day", (*day).into()),
                ("month", (*month).into()),
                // A year is written without grouping (not `1,990`): as text.
                ("year", year.to_string().into()),
            ],
        )
    }

    /// The boxes of a date of birth in the language's order (`date-fields-order`); day,
    /// month, year if the catalogue's order is not a usable one.
    pub fn date_fields(&self) -> Vec<DatePart> {
        let order = self.lang.text("date-fields-order", &[]);
        let parts: Vec<DatePart> = order
            .split_whitespace()
            .filter_map(|word| match word {
                "day" => Some(DatePart::Day),
                "month" => Some(DatePart::Month),
                "year" => Some(DatePart::Year),
                _ => None,
            })
            .collect();
        let complete = parts.len() == 3
            && [DatePart::Day, DatePart::Month, DatePart::Year]
                .iter()
                .all(|p| parts.contains(p));
        if complete {
            parts
        } else {
            vec![DatePart::Day, DatePart::Month, DatePart::Year]
        }
    }

    /// The business that asks for the verification, if its name is configured: the pages
    /// name it instead of "the site that sent you here".
    pub fn business(&self) -> Option<&str> {
        self.brand.name()
    }

    /// The operator's icon is served at [`BRAND_ICON_PATH`].
    pub fn has_icon(&self) -> bool {
        self.brand.icon().is_some()
    }

    /// The page is shown in the modal's frame, which hands `result` (if any) to its parent.
    pub fn in_modal(self, result: Option<ModalResult>) -> Self {
        Self {
            channel: "modal",
            result,
            ..self
        }
    }
}

/// What `verifyIdentity()` resolves with: `{}` or `{error: {code, message}}`. The message
/// is for the integrator's code, in Stripe's words.
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

/// Shared by the step pages: where their forms post, and the progress around them.
#[derive(Debug, Clone)]
pub struct FlowChrome {
    pub session_id: String,
    pub csrf_token: String,
    pub step_number: usize,
    pub step_count: usize,
    /// `?step=` of the previous step, if there is one to go back to (not consent).
    pub back_step: Option<&'static str>,
    /// Test mode only, after consent: the outcomes the tester may pick.
    pub test_outcomes: Vec<TestOutcome>,
}

impl FlowChrome {
    pub fn action(&self, name: &str) -> String {
        format!("/verify/s/{}/{name}", self.session_id)
    }
}

/// What a page that only says something says (the end of an attempt, every failure). Each
/// one's title, heading, `data-testid` and words are in `message.html`.
#[derive(Debug, Clone)]
pub enum Message {
    Submitted,
    /// `return_link`: the session's `return_url`, for a link's flow.
    Declined {
        return_link: Option<String>,
    },
    DeviceUnsupported {
        return_link: Option<String>,
    },
    /// A link, client secret or attempt that cannot be used.
    Expired,
    /// A link already opened in this browser, whose attempt continues at `continue_url`.
    AlreadyOpened {
        continue_url: String,
    },
    /// A form without the right CSRF token.
    FormExpired,
    BadRequest,
    TooLarge,
    Busy,
    Timeout,
    NotFound,
    Internal,
    /// The modal's frame was loaded without the origin of the page that opened it.
    ModalWithoutParent,
    /// The modal's attempt did not open; the page shows the result's message
    /// (`expired`: the client secret cannot be used).
    ModalNotOpened {
        expired: bool,
    },
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub chrome: Chrome,
    pub message: Message,
}

#[derive(Template)]
#[template(path = "consent.html")]
pub struct ConsentPage {
    pub chrome: Chrome,
    pub flow: FlowChrome,
    pub plan: FlowPlan,
}

#[derive(Debug, Clone)]
pub struct DocumentChoice {
    pub document: DocumentType,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "document_type.html")]
pub struct DocumentTypePage {
    pub chrome: Chrome,
    pub flow: FlowChrome,
    pub choices: Vec<DocumentChoice>,
    pub error: Option<Problem>,
}

#[derive(Template)]
#[template(path = "image.html")]
pub struct ImagePage {
    pub chrome: Chrome,
    pub flow: FlowChrome,
    pub slot: Slot,
    /// The document type in effect, if known.
    pub document: Option<DocumentType>,
    /// Live capture: the camera instead of a file picker.
    pub camera: bool,
    /// URL of the image already given for this step, if any.
    pub current_image: Option<String>,
    pub error: Option<Problem>,
}

#[derive(Template)]
#[template(path = "id_number.html")]
pub struct IdNumberPage {
    pub chrome: Chrome,
    pub flow: FlowChrome,
    pub id_number: String,
    pub error: Option<Problem>,
}

/// The details form's boxes, as typed (or as held by the submission).
#[derive(Debug, Clone, Default)]
pub struct DetailsValues {
    pub first_name: String,
    pub last_name: String,
    pub dob_day: String,
    pub dob_month: String,
    pub dob_year: String,
    pub id_number: String,
}

/// Why each of the details form's fields was refused.
#[derive(Debug, Clone, Default)]
pub struct DetailsErrors {
    pub first_name: Option<Problem>,
    pub last_name: Option<Problem>,
    pub dob: Option<Problem>,
    pub id_number: Option<Problem>,
}

impl DetailsErrors {
    /// `(field id, problem)` pairs for the error summary.
    pub fn list(&self) -> Vec<(&'static str, Problem)> {
        [
            ("first_name", self.first_name),
            ("last_name", self.last_name),
            ("dob_day", self.dob),
            ("id_number", self.id_number),
        ]
        .into_iter()
        .filter_map(|(id, problem)| problem.map(|p| (id, p)))
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

/// A line of the review page. Its label is in `review.html`.
#[derive(Debug, Clone)]
pub enum ReviewItem {
    /// The document type in effect, if known.
    Document(Option<DocumentType>),
    /// `image`: the URL of an image given for the slot.
    Image {
        slot: Slot,
        passport: bool,
        image: Option<String>,
    },
    /// Only the last four characters are shown.
    IdNumber {
        masked: String,
    },
    Name(String),
    /// Day, month (1–12) and year.
    DateOfBirth(Option<(u32, u32, i32)>),
}

#[derive(Debug, Clone)]
pub struct ReviewRow {
    pub item: ReviewItem,
    /// `?step=` of the step that changes this row, if it can be changed.
    pub change_step: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "review.html")]
pub struct ReviewPage {
    pub chrome: Chrome,
    pub flow: FlowChrome,
    pub rows: Vec<ReviewRow>,
    pub error: Option<Problem>,
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
