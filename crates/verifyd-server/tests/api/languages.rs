//! The pages' languages over HTTP: chosen from the browser's `Accept-Language` (q-values,
//! fallback to English), switched with the pages' own CSRF-protected form (stored on the
//! attempt, so later pages follow it), asked for by the integrator in the modal
//! (`Stripe(pk, {locale})`), and every bad value a proper page, never a 500.

use crate::common::*;
use crate::pages::{
    consented, create, id_of, open, url_of, Browser, Page, MODAL_OPEN, PARENT_ENCODED,
};

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
