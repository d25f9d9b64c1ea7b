//! The operator's branding (`--business-name`, `--business-icon`, `--accent-color`): checked
//! at startup, each bad value refused with a message naming its flag; the icon and the
//! generated stylesheet served by verifyd; the name on every page (escaped) and in the
//! modal; neutral words without one.

use crate::common::*;
use crate::pages::{create, open, tiny_jpeg, tiny_png, Browser, PARENT_ENCODED};
use std::sync::Arc;
use verifyd_core::clock::ManualClock;
use verifyd_server::branding::BrandingConfig;
use verifyd_server::{Application, BuildError, ServerConfig};

/// Builds a server with `branding`; the error's message if it refuses to start.
async fn build_error(branding: BrandingConfig) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let url = verifyd_store::testing::database_url(dir.path()).await;
    let mut config = ServerConfig::new("127.0.0.1:0", url);
    config.database.master_key = verifyd_store::testing::master_key(dir.path());
    config.run_workers = false;
    config.branding = branding;
    match Application::build(config).await {
        Ok(_) => None,
        Err(BuildError::Config(message)) => Some(message),
        Err(other) => panic!("not a configuration error: {other}"),
    }
}

fn file_with(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

async fn branded(branding: BrandingConfig) -> TestApp {
    TestApp::spawn_configured(
        Arc::new(tempfile::tempdir().unwrap()),
        Options { run_workers: false },
        ManualClock::starting_now(),
        move |config| config.branding = branding,
    )
    .await
}

#[tokio::test]
async fn bad_branding_refuses_to_start_with_a_message_naming_the_flag() {
    let files = tempfile::tempdir().unwrap();
    let mut truncated = tiny_png();
    truncated.truncate(truncated.len() - 20);
    let mut oversized = tiny_png();
    oversized.resize(600 * 1024, 0);
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    let cases: Vec<(BrandingConfig, &str)> = vec![
        (
            BrandingConfig {
                business_name: Some("   ".into()),
                ..Default::default()
            },
            "--business-name",
        ),
        (
            BrandingConfig {
                business_name: Some("x".repeat(81)),
                ..Default::default()
            },
            "--business-name",
        ),
        (
            BrandingConfig {
                business_name: Some("Acme\u{7}Bank".into()),
                ..Default::default()
            },
            "--business-name",
        ),
        (
            BrandingConfig {
                accent_color: Some("blue".into()),
                ..Default::default()
            },
            "--accent-color",
        ),
        (
            BrandingConfig {
                accent_color: Some("#12345".into()),
                ..Default::default()
            },
            "--accent-color",
        ),
        (
            BrandingConfig {
                icon: Some(files.path().join("missing.png")),
                ..Default::default()
            },
            "--business-icon",
        ),
        (
            BrandingConfig {
                icon: Some(file_with(&files, "icon.svg", svg)),
                ..Default::default()
            },
            "PNG or JPEG",
        ),
        (
            BrandingConfig {
                icon: Some(file_with(&files, "big.png", &oversized)),
                ..Default::default()
            },
            "512 KB",
        ),
        (
            BrandingConfig {
                icon: Some(file_with(&files, "cut.png", &truncated)),
                ..Default::default()
            },
            "could not be decoded",
        ),
    ];
    for (branding, words) in cases {
        let described = format!("{branding:?}");
        let message = build_error(branding)
            .await
            .unwrap_or_else(|| panic!("{described} was accepted"));
        assert!(message.contains(words), "{described}: {message}");
        assert!(message.contains("--"), "{described}: {message}");
    }
    // Good values start.
    let good = BrandingConfig {
        business_name: Some("  Acme Bank  ".into()),
        icon: Some(file_with(&files, "icon.jpg", &tiny_jpeg())),
        accent_color: Some("#0a7".into()),
    };
    assert_eq!(build_error(good).await, None);
}

#[tokio::test]
async fn the_icon_and_the_accent_stylesheet_are_served_with_their_types() {
    let files = tempfile::tempdir().unwrap();
    let app = branded(BrandingConfig {
        business_name: Some("Acme Bank".into()),
        icon: Some(file_with(&files, "icon.png", &tiny_png())),
        accent_color: Some("#FFD400".into()),
    })
    .await;
    let mut browser = Browser::new(&app);
    let icon = browser.get("/verify/assets/brand-icon").await;
    icon.assert_status(200);
    assert_eq!(icon.header("content-type"), "image/png");
    assert_eq!(icon.header("x-content-type-options"), "nosniff");
    let bytes = app
        .client
        .get(format!("{}/verify/assets/brand-icon", app.base))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.as_ref(), tiny_png().as_slice());

    let css = browser.get("/verify/assets/brand.css").await;
    css.assert_status(200);
    assert!(css.header("content-type").starts_with("text/css"));
    assert_eq!(css.header("x-content-type-options"), "nosniff");
    assert!(css.body.contains("--brand: #ffd400;"), "{}", css.body);
    // Yellow takes dark text, and a darker yellow for text on white.
    assert!(!css.body.contains("--brand-ink: #ffffff;"), "{}", css.body);
    assert!(!css.body.contains("--brand-text: #ffd400;"), "{}", css.body);

    // Without an icon there is none to serve, and the pages keep verifyd's mark.
    let plain = spawn_plain().await;
    let mut browser = Browser::new(&plain);
    browser
        .get("/verify/assets/brand-icon")
        .await
        .assert_status(404);
    let css = browser.get("/verify/assets/brand.css").await;
    assert!(css.body.contains("--brand: #1f3a8a;"), "{}", css.body);
    assert!(css.body.contains("--brand-ink: #ffffff;"), "{}", css.body);
}

async fn spawn_plain() -> TestApp {
    TestApp::spawn_with(Options { run_workers: false }).await
}

#[tokio::test]
async fn a_jpeg_icon_is_served_as_jpeg() {
    let files = tempfile::tempdir().unwrap();
    let app = branded(BrandingConfig {
        icon: Some(file_with(&files, "icon.jpg", &tiny_jpeg())),
        ..Default::default()
    })
    .await;
    let icon = Browser::new(&app).get("/verify/assets/brand-icon").await;
    icon.assert_status(200);
    assert_eq!(icon.header("content-type"), "image/jpeg");
}

#[tokio::test]
async fn the_business_name_is_on_every_page_and_asks_for_the_verification() {
    let files = tempfile::tempdir().unwrap();
    let app = branded(BrandingConfig {
        business_name: Some("Acme Bank".into()),
        icon: Some(file_with(&files, "icon.png", &tiny_png())),
        accent_color: None,
    })
    .await;
    let session = create(&app, SK_TEST, &[]).await;
    let (mut browser, consent) = open(&app, &session).await;
    assert!(
        consent
            .body
            .contains("<h1>Acme Bank would like to verify your identity</h1>"),
        "{}",
        consent.body
    );
    assert!(consent
        .body
        .contains("Acme Bank needs to confirm who you are."));
    assert!(!consent.body.contains("The site that sent you here"));
    assert!(consent.has_testid("business-name"));
    assert!(consent.body.contains("src=\"/verify/assets/brand-icon\""));
    assert!(consent.body.contains("href=\"/verify/assets/brand.css\""));
    assert!(!consent.body.contains("masthead-mark"));

    // Error pages, drawn by the router's layer, carry it too.
    let missing = browser.get("/verify/nothing-here").await;
    missing.assert_status(404);
    assert!(missing.has_testid("business-name"), "{}", missing.body);
    let used = Browser::new(&app)
        .get(session["url"].as_str().unwrap())
        .await;
    used.assert_status(410);
    assert!(
        used.body.contains("Ask Acme Bank for a new one."),
        "{}",
        used.body
    );

    // And the modal's frame.
    let frame = browser
        .get(&format!("/verify/modal?parent={PARENT_ENCODED}"))
        .await;
    frame.assert_status(200);
    assert!(frame.has_testid("business-name"), "{}", frame.body);
}

#[tokio::test]
async fn the_business_name_is_escaped() {
    let app = branded(BrandingConfig {
        business_name: Some("<script>alert(\"x\")</script> & Co".into()),
        ..Default::default()
    })
    .await;
    let session = create(&app, SK_TEST, &[]).await;
    let (_, consent) = open(&app, &session).await;
    assert!(!consent.body.contains("<script>alert"), "{}", consent.body);
    assert!(
        consent.body.contains("&#60;script&#62;") || consent.body.contains("&lt;script&gt;"),
        "{}",
        consent.body
    );
    assert!(consent.body.contains("would like to verify your identity"));
}

#[tokio::test]
async fn without_a_name_the_pages_keep_neutral_words_and_verifyds_mark() {
    let app = spawn_plain().await;
    let session = create(&app, SK_TEST, &[]).await;
    let (_, consent) = open(&app, &session).await;
    assert!(consent.body.contains("<h1>Verify your identity</h1>"));
    assert!(consent
        .body
        .contains("The site that sent you here needs to confirm who you are."));
    assert!(!consent.has_testid("business-name"));
    assert!(consent.body.contains("masthead-mark"));
    assert!(!consent.body.contains("brand-icon"));
}
