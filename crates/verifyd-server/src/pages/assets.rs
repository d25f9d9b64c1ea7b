//! Static files, compiled into the binary and served by verifyd itself (no CDN, no external
//! fonts): the pages' stylesheet, the page script, the icon, and the Stripe.js drop-in at
//! `/v3/` that integrators load from another origin; and the operator's branding, fixed at
//! startup: `brand.css` (the custom properties of the accent colour) and `brand-icon` (the
//! PNG or JPEG of `--business-icon`, 404 without one). Every response carries `nosniff`
//! (the router's headers), so an icon is never read as anything but its image type.

use super::PageError;
use crate::app::AppState;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

const STYLE_CSS: &str = include_str!("../../assets/style.css");
const FLOW_JS: &str = include_str!("../../assets/flow.js");
const ICON_SVG: &str = include_str!("../../assets/icon.svg");
const STRIPE_JS: &str = include_str!("../../assets/v3.js");

fn asset_response(
    body: impl Into<Body>,
    content_type: &'static str,
    cross_origin: bool,
) -> Response {
    let mut response = Response::new(body.into());
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Short-lived caching: an upgraded verifyd serves new files within minutes.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    headers.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static(if cross_origin {
            "cross-origin"
        } else {
            "same-origin"
        }),
    );
    response
}

/// `GET /verify/assets/{file}`.
pub async fn asset(State(app): State<AppState>, Path(file): Path<String>) -> Response {
    let brand = app.branding();
    match file.as_str() {
        "style.css" => asset_response(STYLE_CSS, "text/css; charset=utf-8", false),
        "brand.css" => asset_response(
            brand.stylesheet().to_owned(),
            "text/css; charset=utf-8",
            false,
        ),
        "brand-icon" => match brand.icon() {
            Some(icon) => asset_response(icon.bytes.clone(), icon.content_type, false),
            None => PageError::NotFound.into_response(),
        },
        "flow.js" => asset_response(FLOW_JS, "text/javascript; charset=utf-8", false),
        "icon.svg" => asset_response(ICON_SVG, "image/svg+xml", false),
        _ => PageError::NotFound.into_response(),
    }
}

/// `GET /v3/`: the `Stripe(pk).verifyIdentity(clientSecret)` drop-in, loaded by
/// integrators' pages with a `<script>` tag from their own origin.
pub async fn stripe_js() -> Response {
    asset_response(STRIPE_JS, "text/javascript; charset=utf-8", true)
}
