//! The pages' languages over HTTP: chosen from the browser's `Accept-Language` (q-values,
//! fallback to English), switched with the pages' own CSRF-protected form (stored on the
//! attempt, so later pages follow it), asked for by the integrator in the modal
//! (`Stripe(pk, {locale})`), and every bad value a proper page, never a 500. The operator's
//! own catalogues (`--locales-dir`): a new language, changed words, and a bad directory
//! refusing to start with a message naming the flag.

use crate::common::*;
use crate::pages::{
    consented, create, id_of, open, url_of, Browser, Page, MODAL_OPEN, PARENT_ENCODED,
};
use std::sync::Arc;
use verifyd_core::clock::ManualClock;
use verifyd_server::{Application, BuildError, ServerConfig};

/// The shipped English catalogue, the model of an operator's new language.
const ENGLISH: &str = include_str!("../../locales/en.ftl");

async fn spawn() -> TestApp {
    TestApp::spawn_with(Options { run_workers: false }).await
}

fn lang_of(page: &Page) -> &str {
    let marker = "<html lang=\"";
    let start = page.body.find(marker).expect("an HTML page") + marker.len();
    &page.body[start..start + page.body[start..].find('"').unwrap()]
}

#[tokio::test]
async fn a_browser_asking_for_french_gets_the_pages_in_french() {
    let app = spawn().await;
    let session = create(&app, SK_TEST, &[]).await;
    let mut browser = Browser::new(&app);
    browser.accept_language = Some("fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7".into());
    let start = browser.get(&url_of(&session)).await;
    let consent = browser.follow(&start).await;
    consent.assert_status(200);
    assert_eq!(lang_of(&consent), "fr");
    assert!(
        consent.body.contains("Vérifiez votre identité"),
        "{}",
        consent.body
    );
    assert!(consent.body.contains("Étape 1 sur"));
    assert!(consent.body.contains("Accepter et continuer"));
    assert!(!consent.body.contains("Agree and continue"));
    // The switcher offers every language, each named in itself, French selected.
    assert!(consent.has_testid("language-switcher"));
    assert!(consent
        .body
        .contains("<option value=\"fr\" lang=\"fr\" selected>Français</option>"));
    for name in ["English", "Deutsch", "Español"] {
        assert!(consent.body.contains(name), "{name}");
    }

    // Pages without an attempt follow the browser too: the expired page, the not-found page.
    let mut other = Browser::new(&app);
    other.accept_language = Some("de-CH, de;q=0.9".into());
    let expired = other.get(&url_of(&session)).await;
    expired.assert_status(410);
    assert_eq!(lang_of(&expired), "de");
    assert!(expired.body.contains("Dieser Link ist abgelaufen"));
    other.accept_language = Some("en;q=0.3, es;q=0.8".into());
    let missing = other.get("/verify/nothing-here").await;
    missing.assert_status(404);
    assert_eq!(lang_of(&missing), "es");
    assert!(missing.body.contains("Página no encontrada"));
}

#[tokio::test]
async fn a_language_the_pages_do_not_have_falls_back_to_english() {
    let app = spawn().await;
    for header in [
        "ja-JP, zh;q=0.8",
        "*",
        "fr;q=0, de;q=0",
        ";;;,,=q",
        "x-klingon",
    ] {
        let session = create(&app, SK_TEST, &[]).await;
        let mut browser = Browser::new(&app);
        browser.accept_language = Some(header.into());
        let start = browser.get(&url_of(&session)).await;
        let consent = browser.follow(&start).await;
        consent.assert_status(200);
        assert_eq!(lang_of(&consent), "en", "{header}");
        assert!(consent.body.contains("Agree and continue"), "{header}");
    }
}

#[tokio::test]
async fn the_switcher_changes_the_language_of_later_pages_and_needs_the_csrf_token() {
    let app = spawn().await;
    let session = create(&app, SK_TEST, &[]).await;
    let id = id_of(&session);
    let (mut browser, consent) = open(&app, &session).await;
    assert_eq!(lang_of(&consent), "en");
    let action = format!("/verify/s/{id}/language");
    assert!(consent.body.contains(&format!("action=\"{action}\"")));

    // Without the token, or with another one: 403, nothing changes.
    let forged = browser
        .post(&action, &[("locale", "de"), ("step", "consent")])
        .await;
    forged.assert_status(403);
    let wrong = browser
        .post(
            &action,
            &[
                ("csrf_token", "nope"),
                ("locale", "de"),
                ("step", "consent"),
            ],
        )
        .await;
    wrong.assert_status(403);
    let still = browser.get(&format!("/verify/s/{id}")).await;
    assert_eq!(lang_of(&still), "en");

    // With it: 303 back to the page it was on, now in German.
    let csrf = consent.csrf();
    let switched = browser
        .post(
            &action,
            &[("csrf_token", &csrf), ("locale", "de"), ("step", "consent")],
        )
        .await;
    switched.assert_status(303);
    assert_eq!(switched.location(), format!("/verify/s/{id}?step=consent"));
    let german = browser.follow(&switched).await;
    german.assert_status(200);
    assert_eq!(lang_of(&german), "de");
    assert!(german.body.contains("Zustimmen und weiter"));

    // The choice is the attempt's: it beats the browser's languages on every later page.
    browser.accept_language = Some("fr".into());
    let accepted = browser
        .post(
            &format!("/verify/s/{id}/consent"),
            &[("csrf_token", &csrf), ("decision", "accept")],
        )
        .await;
    let next = browser.follow(&accepted).await;
    next.assert_status(200);
    assert_eq!(lang_of(&next), "de");
    assert!(next.body.contains("Schritt 2 von"), "{}", next.body);

    // Without a step to go back to, the flow's current page.
    let back = browser
        .post(&action, &[("csrf_token", &csrf), ("locale", "es")])
        .await;
    back.assert_status(303);
    assert_eq!(back.location(), format!("/verify/s/{id}"));
    assert_eq!(lang_of(&browser.follow(&back).await), "es");

    // The end page keeps the attempt's language, though the attempt is over.
    let submitted = browser
        .post(
            &format!("/verify/s/{id}/test-outcome"),
            &[("csrf_token", &csrf), ("outcome", "verified")],
        )
        .await;
    submitted.assert_status(303);
    assert!(
        submitted.location().ends_with("&lang=es"),
        "{}",
        submitted.location()
    );
    let end = browser.follow(&submitted).await;
    end.assert_status(200);
    assert_eq!(lang_of(&end), "es");
    assert!(end.has_testid("submitted"));
}

#[tokio::test]
async fn a_bad_language_choice_is_a_bad_request_page_and_changes_nothing() {
    let app = spawn().await;
    let session = create(&app, SK_TEST, &[]).await;
    let id = id_of(&session);
    let (mut browser, consent) = consented(&app, &session).await;
    let csrf = consent.csrf();
    let action = format!("/verify/s/{id}/language");
    let long = "a".repeat(5000);
    for locale in [
        None,
        Some(""),
        Some("xx"),
        Some("fr-CA"),
        Some("<b>"),
        Some(&*long),
    ] {
        let mut pairs = vec![("csrf_token", csrf.as_str()), ("step", "front")];
        if let Some(locale) = locale {
            pairs.push(("locale", locale));
        }
        let refused = browser.post(&action, &pairs).await;
        refused.assert_status(400);
        assert!(refused.has_testid("bad-request"), "{locale:?}");
        assert!(!refused.body.contains("<b>"));
    }
    // An unknown step only means "the current page".
    let odd = browser
        .post(
            &action,
            &[("csrf_token", &csrf), ("locale", "fr"), ("step", "../x")],
        )
        .await;
    odd.assert_status(303);
    assert_eq!(odd.location(), format!("/verify/s/{id}"));
    // A GET of the form's address goes back to the flow.
    browser.get(&action).await.assert_status(303);
}

#[tokio::test]
async fn the_integrators_locale_opens_the_modal_in_that_language() {
    let app = spawn().await;
    let session = create(&app, SK_TEST, &[]).await;
    let id = id_of(&session);
    let secret = session["client_secret"].as_str().unwrap();
    let mut frame = Browser::new(&app);
    frame.accept_language = Some("de".into());
    // The frame page in the asked language (`fr-CA` finds French), carrying the choice.
    let page = frame
        .get(&format!(
            "/verify/modal?parent={PARENT_ENCODED}&locale=fr-CA"
        ))
        .await;
    page.assert_status(200);
    assert_eq!(lang_of(&page), "fr");
    assert!(page.body.contains("data-locale=\"fr\""));
    assert!(page.body.contains("Fermer"));
    // `auto`: the browser's languages.
    let auto = frame
        .get(&format!(
            "/verify/modal?parent={PARENT_ENCODED}&locale=auto"
        ))
        .await;
    assert_eq!(lang_of(&auto), "de");
    assert!(!auto.body.contains("data-locale="));
    // Not a language tag at all: refused.
    let bad = frame
        .get(&format!(
            "/verify/modal?parent={PARENT_ENCODED}&locale=%3Cscript%3E"
        ))
        .await;
    bad.assert_status(400);

    // A value the frame could not have sent is refused before the client secret is spent.
    let refused = frame
        .post_with_headers(
            "/verify/modal/open",
            &[
                ("client_secret", secret),
                ("key", PK_TEST),
                ("locale", "tlh"),
            ],
            &MODAL_OPEN,
        )
        .await;
    refused.assert_status(400);
    let opened = frame
        .post_with_headers(
            "/verify/modal/open",
            &[
                ("client_secret", secret),
                ("key", PK_TEST),
                ("locale", "fr"),
            ],
            &MODAL_OPEN,
        )
        .await;
    opened.assert_status(200);
    let body: serde_json::Value = serde_json::from_str(&opened.body).unwrap();
    let binding = body["binding"].as_str().unwrap().to_owned();
    // The flow's pages follow the integrator's choice, not the browser's German.
    let consent = app
        .client
        .get(format!("{}/verify/s/{id}", app.base))
        .header("verifyd-binding", &binding)
        .header("accept-language", "de")
        .send()
        .await
        .unwrap();
    assert_eq!(consent.status(), 200);
    let html = consent.text().await.unwrap();
    assert!(html.contains("<html lang=\"fr\">"), "{html}");
    assert!(html.contains("data-channel=\"modal\""));
    assert!(html.contains("data-msg-close=\"Fermer\""));
}

/// A directory holding `files` (name, contents).
fn locales_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, contents) in files {
        std::fs::write(dir.path().join(name), contents).unwrap();
    }
    dir
}

/// Italian for the tests: the English catalogue with its name and two buttons changed.
fn italian() -> String {
    ENGLISH
        .replace("language-name = English", "language-name = Italiano")
        .replace(
            "consent-accept = Agree and continue",
            "consent-accept = Accetta e continua",
        )
        .replace("consent-decline = Decline", "consent-decline = Rifiuta")
}

#[tokio::test]
async fn the_operators_catalogues_add_a_language_and_change_shipped_words() {
    let dir = locales_dir(&[
        ("it.ftl", &italian()),
        ("fr.ftl", "consent-accept = D’accord, continuer\n"),
        ("notes.txt", "not a catalogue"),
    ]);
    let path = dir.path().to_owned();
    let app = TestApp::spawn_configured(
        Arc::new(tempfile::tempdir().unwrap()),
        Options { run_workers: false },
        ManualClock::starting_now(),
        move |config| config.locales_dir = Some(path),
    )
    .await;

    let session = create(&app, SK_TEST, &[]).await;
    let mut browser = Browser::new(&app);
    browser.accept_language = Some("it-IT, it;q=0.9".into());
    let start = browser.get(&url_of(&session)).await;
    let consent = browser.follow(&start).await;
    consent.assert_status(200);
    assert_eq!(lang_of(&consent), "it");
    assert!(consent.body.contains("Accetta e continua"));
    assert!(consent
        .body
        .contains("<option value=\"it\" lang=\"it\" selected>Italiano</option>"));
    // The switcher takes the new language like a shipped one.
    let id = id_of(&session);
    let switched = browser
        .post(
            &format!("/verify/s/{id}/language"),
            &[("csrf_token", &consent.csrf()), ("locale", "fr")],
        )
        .await;
    let french = browser.follow(&switched).await;
    assert_eq!(lang_of(&french), "fr");
    // The operator's word, and the shipped French for everything else.
    assert!(french.body.contains("D’accord, continuer"));
    assert!(french.body.contains("Refuser"));
}

/// Builds a server with `dir` as its `--locales-dir`; the error's message if it refuses to
/// start.
async fn build_error(dir: std::path::PathBuf) -> Option<String> {
    let data = tempfile::tempdir().unwrap();
    let url = verifyd_store::testing::database_url(data.path()).await;
    let mut config = ServerConfig::new("127.0.0.1:0", url);
    config.database.master_key = verifyd_store::testing::master_key(data.path());
    config.run_workers = false;
    config.locales_dir = Some(dir);
    match Application::build(config).await {
        Ok(_) => None,
        Err(BuildError::Config(message)) => Some(message),
        Err(other) => panic!("not a configuration error: {other}"),
    }
}

#[tokio::test]
async fn a_bad_locales_dir_refuses_to_start_with_a_message_naming_the_flag() {
    let incomplete = locales_dir(&[("it.ftl", "language-name = Italiano\n")]);
    let broken = locales_dir(&[("it.ftl", "consent-accept = { $oops\n")]);
    let misnamed = locales_dir(&[("italian words.ftl", &italian())]);
    let empty = locales_dir(&[("readme.txt", "nothing")]);
    let cases = [
        (incomplete.path().to_owned(), "lacks"),
        (broken.path().to_owned(), "does not parse"),
        (misnamed.path().to_owned(), "must be a language tag"),
        (empty.path().to_owned(), "no .ftl file"),
        (
            incomplete.path().join("missing"),
            "cannot read the directory",
        ),
    ];
    for (dir, why) in cases {
        let message = build_error(dir.clone()).await.expect("refused to start");
        assert!(message.starts_with("--locales-dir "), "{message}");
        assert!(message.contains(why), "{dir:?}: {message}");
    }
    let fine = locales_dir(&[("it.ftl", &italian())]);
    assert_eq!(build_error(fine.path().to_owned()).await, None);
}
