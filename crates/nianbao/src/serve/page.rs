//! The web page: one HTML file, its style sheet and its script, all inside the binary and sent
//! as one document (so the page needs nothing but itself, and a token in its address covers
//! everything it loads).

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

const HTML: &str = include_str!("page/index.html");
const CSS: &str = include_str!("page/style.css");
const JS: &str = include_str!("page/app.js");

/// `GET /`: the page, its style and script inlined. The script lists a finding's places as the
/// terminal does, the same number of them (`output::SHOWN_LOCATIONS`).
pub async fn index() -> Response {
    let page = HTML.replacen("/*STYLE*/", CSS, 1).replacen(
        "/*SCRIPT*/",
        &JS.replacen(
            "/*SHOWN_LOCATIONS*/4",
            &crate::output::SHOWN_LOCATIONS.to_string(),
            1,
        ),
        1,
    );
    let mut response = axum::response::Html(page).into_response();
    let headers = response.headers_mut();
    // Nothing from elsewhere: no CDN, no network, no framing by other sites.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
