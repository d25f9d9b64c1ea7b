//! verifyd-checks: the check engine (document, selfie, ID number). Empty until the
//! verification flow lands: it will hold a trait per check, the test-mode engine (outcome
//! chosen by the tester) and the live checkers. No HTTP and no SQL belong here.
