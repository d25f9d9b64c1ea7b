//! The hosted flow over HTTP: links and client secrets, single use and expiry, browser
//! binding, CSRF, uploads, consent, test outcomes and submission.
