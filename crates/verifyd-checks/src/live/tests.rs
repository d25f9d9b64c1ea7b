//! The live engine's decisions from hand-made observations: every outcome of the document
//! check, the ID-number check and the external verifier, in the order the engine applies
//! them.

use super::*;
use crate::observation::{ImageQuality, MrzReading, TextLine};
use verifyd_core::metadata::MetadataUpdate;
use verifyd_core::session::{DocumentOptions, DocumentOptionsChange, NewSession};

fn today() -> Date {
    Date::new(2026, 11, 28)
}

fn session(kind: SessionType, options: DocumentOptions) -> VerificationSession {
    VerificationSession::create(
        NewSession {
            session_type: Some(kind),
            metadata: MetadataUpdate::default(),
            document_options: (kind == SessionType::Document)
                .then_some(DocumentOptionsChange::Merge(options)),
            ..Default::default()
        },
        true,
        0,
    )
    .unwrap()
}

fn document_session() -> VerificationSession {
    session(SessionType::Document, DocumentOptions::default())
}

fn quality() -> ImageQuality {
    ImageQuality {
        width: 1600,
        height: 1200,
        sharpness: 800.0,
        brightness: 150.0,
        glare: 0.0,
        document: None,
        document_width: 1200,
    }
}

fn lines(texts: &[&str]) -> Vec<TextLine> {
    texts
        .iter()
        .map(|t| TextLine {
            text: (*t).to_owned(),
            confidence: 0.95,
        })
        .collect()
}

/// A licence barcode (DL subfile) with the given expiry and date of birth (MMDDCCYY), an
/// optional SSN (DBM).
fn licence(expiry: &str, dob: &str, ssn: Option<&str>) -> Vec<u8> {
    let mut elements = vec![
        format!("DBA{expiry}"),
        "DCSSAMPLE".to_owned(),
        "DACJANE".to_owned(),
        "DADROSE".to_owned(),
        "DBD08142022".to_owned(),
        format!("DBB{dob}"),
        "DBC2".to_owned(),
        "DAG1 MAIN ST".to_owned(),
        "DAIANYTOWN".to_owned(),
        "DAJCA".to_owned(),
        "DAK900010000".to_owned(),
        "DAQD1234567".to_owned(),
        "DCGUSA".to_owned(),
    ];
    if let Some(ssn) = ssn {
        elements.push(format!("DBM{ssn}"));
    }
    let body = format!("DL{}\r", elements.join("\n"));
    format!("@\n\x1e\rANSI 636014100001DL0031{:04}{body}", body.len()).into_bytes()
}

fn licence_front(dob: &str) -> Vec<TextLine> {
    lines(&[
        "CALIFORNIA DRIVER LICENSE",
        "DL D1234567",
        "SAMPLE",
        "JANE ROSE",
        &format!("DOB {dob}"),
    ])
}

fn observed(front_text: Vec<TextLine>, barcode: Option<Vec<u8>>) -> Observed {
    Observed {
        front: Some(Ok(ImageObservation {
            quality: quality(),
            barcode: None,
            mrz: None,
            other_mrz_readings: Vec::new(),
            text: Some(front_text),
            faces: None,
        })),
        back: Some(Ok(ImageObservation {
            quality: quality(),
            barcode,
            mrz: None,
            other_mrz_readings: Vec::new(),
            text: None,
            faces: None,
        })),
        selfie: None,
        closer_looked: false,
    }
}

fn submission(id_number: Option<&str>) -> Submission {
    Submission {
        document_front: Some("file_front".into()),
        document_back: Some("file_back".into()),
        id_number: id_number.map(str::to_owned),
        ..Default::default()
    }
}

fn decide(
    session: &VerificationSession,
    submission: &Submission,
    observed: &Observed,
) -> LiveDecision {
    LiveEngine::default().decide(session, submission, observed, today())
}

fn failure_of(decision: &LiveDecision) -> (Option<LastErrorCode>, String) {
    match &decision.result.verdict {
        Verdict::Failed(e) => (e.code, e.reason.clone().unwrap_or_default()),
        Verdict::Verified(_) => panic!("verified: {decision:?}"),
    }
}

#[test]
fn a_consistent_licence_verifies_with_the_barcode_data() {
    let d = decide(
        &document_session(),
        &submission(None),
        &observed(
            licence_front("01/07/1990"),
            Some(licence("08142030", "01071990", None)),
        ),
    );
    let Verdict::Verified(outputs) = &d.result.verdict else {
        panic!("{d:?}")
    };
    assert_eq!(outputs.first_name.as_deref(), Some("JANE"));
    assert_eq!(outputs.dob, Some(Date::new(1990, 1, 7)));
    let doc = d.result.document.as_ref().unwrap();
    assert_eq!(doc.status, CheckStatus::Verified);
    assert_eq!(doc.document_type, Some(DocumentType::DrivingLicense));
    assert_eq!(doc.expiration_date, Some(Date::new(2030, 8, 14)));
}

#[test]
fn expired_under_age_and_tampered_documents_fail_with_their_codes() {
    let s = document_session();
    let expired = decide(
        &s,
        &submission(None),
        &observed(
            licence_front("01/07/1990"),
            Some(licence("11272026", "01071990", None)),
        ),
    );
    assert_eq!(failure_of(&expired).0, Some(LastErrorCode::DocumentExpired));
    // The report keeps what was read.
    assert!(expired.result.document.as_ref().unwrap().dob.is_some());

    let expiring_today = decide(
        &s,
        &submission(None),
        &observed(
            licence_front("01/07/1990"),
            Some(licence("11282026", "01071990", None)),
        ),
    );
    assert!(matches!(
        expiring_today.result.verdict,
        Verdict::Verified(_)
    ));

    let child = decide(
        &s,
        &submission(None),
        &observed(
            licence_front("11/29/2008"),
            Some(licence("08142030", "11292008", None)),
        ),
    );
    assert_eq!(failure_of(&child).0, Some(LastErrorCode::UnderSupportedAge));

    let tampered = decide(
        &s,
        &submission(None),
        &observed(
            licence_front("01/07/1991"),
            Some(licence("08142030", "01071990", None)),
        ),
    );
    let (code, reason) = failure_of(&tampered);
    assert_eq!(code, Some(LastErrorCode::DocumentUnverifiedOther));
    assert!(reason.contains("date of birth"), "{reason}");
    // Untrusted data is not shown.
    assert!(tampered.result.document.as_ref().unwrap().dob.is_none());
}

#[test]
fn the_type_read_must_be_allowed_and_a_front_title_can_tell_it_without_an_mrz() {
    let passports = session(
        SessionType::Document,
        DocumentOptions {
            allowed_types: Some(vec![DocumentType::Passport]),
            ..Default::default()
        },
    );
    let d = decide(
        &passports,
        &submission(None),
        &observed(
            licence_front("01/07/1990"),
            Some(licence("08142030", "01071990", None)),
        ),
    );
    assert_eq!(
        failure_of(&d).0,
        Some(LastErrorCode::DocumentTypeNotSupported)
    );
    let doc = d.result.document.as_ref().unwrap();
    assert_eq!(doc.document_type, Some(DocumentType::DrivingLicense));
    assert!(doc.first_name.is_none() && doc.dob.is_none());

    // Only the licence's front, photographed as a passport's photo page.
    let front_only = Observed {
        front: Some(Ok(ImageObservation {
            quality: quality(),
            barcode: None,
            mrz: None,
            other_mrz_readings: Vec::new(),
            text: Some(licence_front("01/07/1990")),
            faces: None,
        })),
        back: None,
        selfie: None,
        closer_looked: false,
    };
    let sub = Submission {
        document_front: Some("file_front".into()),
        ..Default::default()
    };
    let d = decide(&passports, &sub, &front_only);
    assert_eq!(
        failure_of(&d).0,
        Some(LastErrorCode::DocumentTypeNotSupported)
    );
    // The report shows the type the front names (not the only allowed one), no data.
    let doc = d.result.document.as_ref().unwrap();
    assert_eq!(doc.document_type, Some(DocumentType::DrivingLicense));
    assert!(doc.first_name.is_none() && doc.number.is_none());
}

#[test]
fn unreadable_missing_and_failed_reads_are_unverified_other_with_a_reason() {
    let s = document_session();
    let cases: Vec<(Observed, Submission, &str)> = vec![
        (
            observed(licence_front("01/07/1990"), None),
            submission(None),
            "Neither the barcode nor a machine-readable zone",
        ),
        (
            observed(
                licence_front("01/07/1990"),
                Some(b"not an aamva payload".to_vec()),
            ),
            submission(None),
            "not the barcode of a driving licence",
        ),
        (
            observed(lines(&[]), None),
            submission(None),
            "do not show an identity document",
        ),
        (
            Observed {
                front: Some(Err(ReadFailure::TimedOut)),
                back: None,
                selfie: None,
                closer_looked: false,
            },
            submission(None),
            "within the time allowed",
        ),
        (
            Observed {
                front: Some(Err(ReadFailure::Crashed)),
                back: None,
                selfie: None,
                closer_looked: false,
            },
            submission(None),
            "checker failed",
        ),
        (
            Observed::default(),
            Submission {
                document_type: Some(DocumentType::IdCard),
                document_front: Some("file_front".into()),
                ..Default::default()
            },
            "back of the document is missing",
        ),
        (
            observed(
                licence_front("01/07/1990"),
                Some(licence("08142030", "01071990", None)),
            ),
            Submission::default(),
            "front of the document is missing",
        ),
    ];
    for (observed, sub, expected) in cases {
        let (code, reason) = failure_of(&decide(&s, &sub, &observed));
        assert_eq!(
            code,
            Some(LastErrorCode::DocumentUnverifiedOther),
            "{reason}"
        );
        assert!(reason.contains(expected), "{reason} (expected {expected})");
    }
}

#[test]
fn an_mrz_with_a_failing_check_digit_and_a_visa_never_pass() {
    let s = document_session();
    let mrz_front = |lines_: &[&str]| Observed {
        front: Some(Ok(ImageObservation {
            quality: quality(),
            barcode: None,
            mrz: Some(MrzReading::from_lines(lines_)),
            other_mrz_readings: Vec::new(),
            text: Some(lines(&[
                "PASSPORT",
                "ERIKSSON",
                "ANNA MARIA",
                "12 AUG 1974",
                "L898902C3",
            ])),
            faces: None,
        })),
        back: None,
        selfie: None,
        closer_looked: false,
    };
    let sub = Submission {
        document_front: Some("file_front".into()),
        document_type: Some(DocumentType::Passport),
        ..Default::default()
    };
    let bad_digit = mrz_front(&[
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C37UTO7408122F1204159ZE184226B<<<<<10",
    ]);
    let (code, reason) = failure_of(&decide(&s, &sub, &bad_digit));
    assert_eq!(code, Some(LastErrorCode::DocumentUnverifiedOther));
    assert!(reason.contains("check digit"), "{reason}");
    // The ICAO specimen is valid but expired in 2012.
    let specimen = mrz_front(&[
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ]);
    assert_eq!(
        failure_of(&decide(&s, &sub, &specimen)).0,
        Some(LastErrorCode::DocumentExpired)
    );
}

#[test]
fn id_numbers_are_checked_against_the_document_and_the_rules() {
    let s = session(
        SessionType::Document,
        DocumentOptions {
            require_id_number: Some(true),
            ..Default::default()
        },
    );
    let with_ssn = observed(
        licence_front("01/07/1990"),
        Some(licence("08142030", "01071990", Some("123456780"))),
    );
    let ok = decide(&s, &submission(Some("123-45-6780")), &with_ssn);
    let Verdict::Verified(outputs) = &ok.result.verdict else {
        panic!("{ok:?}")
    };
    assert_eq!(outputs.id_number.as_deref(), Some("6780"));
    assert_eq!(
        outputs.id_number_type,
        Some(verifyd_core::session::IdNumberType::UsSsn)
    );
    assert!(ok.external_claim.is_none(), "no verifier configured");

    let other = decide(&s, &submission(Some("123-45-6781")), &with_ssn);
    assert_eq!(failure_of(&other).0, Some(LastErrorCode::IdNumberMismatch));
    let invalid = decide(&s, &submission(Some("000-45-6780")), &with_ssn);
    assert_eq!(
        failure_of(&invalid).0,
        Some(LastErrorCode::IdNumberUnverifiedOther)
    );
    let unknown = decide(&s, &submission(Some("AB12")), &with_ssn);
    assert_eq!(
        failure_of(&unknown).0,
        Some(LastErrorCode::IdNumberUnverifiedOther)
    );
}

#[test]
fn an_external_verifier_is_asked_only_after_the_offline_rules_and_decides() {
    let s = session(SessionType::IdNumber, DocumentOptions::default());
    let engine = LiveEngine::new(LivePolicy {
        external_id_check_available: true,
        ..Default::default()
    });
    let sub = Submission {
        first_name: Some("Jane".into()),
        last_name: Some("Sample".into()),
        dob: Some(Date::new(1990, 1, 7)),
        id_number: Some("529.982.247-25".into()),
        ..Default::default()
    };
    let decision = engine.decide(&s, &sub, &Observed::default(), today());
    let claim = decision.external_claim.clone().expect("asks the verifier");
    assert_eq!(claim.number, "52998224725");
    for (answer, code) in [
        (ExternalAnswer::Match, None),
        (
            ExternalAnswer::Mismatch,
            Some(LastErrorCode::IdNumberMismatch),
        ),
        (
            ExternalAnswer::Unavailable("timed out".into()),
            Some(LastErrorCode::IdNumberUnverifiedOther),
        ),
    ] {
        let mut d = decision.clone();
        engine.apply_external(&s, &mut d, &answer);
        match (&d.result.verdict, code) {
            (Verdict::Verified(_), None) => {}
            (Verdict::Failed(e), Some(code)) => assert_eq!(e.code, Some(code)),
            (v, c) => panic!("{answer:?}: {v:?} vs {c:?}"),
        }
    }
    // A bad number never reaches the verifier.
    let bad = Submission {
        id_number: Some("529.982.247-26".into()),
        ..sub.clone()
    };
    assert!(engine
        .decide(&s, &bad, &Observed::default(), today())
        .external_claim
        .is_none());
    // A minor, by the typed date of birth.
    let minor = Submission {
        dob: Some(Date::new(2010, 1, 1)),
        ..sub
    };
    assert_eq!(
        failure_of(&engine.decide(&s, &minor, &Observed::default(), today())).0,
        Some(LastErrorCode::UnderSupportedAge)
    );
}

#[test]
fn live_selfies_cannot_pass_yet() {
    let s = session(
        SessionType::Document,
        DocumentOptions {
            require_matching_selfie: Some(true),
            ..Default::default()
        },
    );
    let d = decide(
        &s,
        &submission(None),
        &observed(
            licence_front("01/07/1990"),
            Some(licence("08142030", "01071990", None)),
        ),
    );
    assert_eq!(failure_of(&d).0, Some(LastErrorCode::SelfieUnverifiedOther));
    assert_eq!(
        d.result.document.as_ref().unwrap().status,
        CheckStatus::Verified
    );
}

#[test]
fn images_the_reader_refuses_ask_for_a_retake_and_failed_reads_leave_it_to_the_worker() {
    use super::feedback::{feedback, FeedbackLimits, Retake};
    use crate::observation::{Side, VisionError};
    let limits = FeedbackLimits::default();
    let ask = |failure: ReadFailure| feedback(&Err(failure), Side::Front, None, &limits, today());
    assert_eq!(
        ask(ReadFailure::Vision(VisionError::Undecodable)),
        Some(Retake::Undecodable)
    );
    assert_eq!(
        ask(ReadFailure::Vision(VisionError::TooSmall {
            width: 90,
            height: 60
        })),
        Some(Retake::TooSmall)
    );
    assert_eq!(
        ask(ReadFailure::Vision(VisionError::TooLarge {
            width: 9000,
            height: 6000
        })),
        Some(Retake::TooManyPixels)
    );
    assert_eq!(ask(ReadFailure::TimedOut), None);
    assert_eq!(ask(ReadFailure::Crashed), None);
}

#[test]
fn a_number_the_document_carries_is_compared_only_on_a_document_of_its_country() {
    let s = session(
        SessionType::Document,
        DocumentOptions {
            require_id_number: Some(true),
            ..Default::default()
        },
    );
    // A passport whose optional data holds 11144477735: a valid CPF's shape.
    let passport = |state: &str| Observed {
        front: Some(Ok(ImageObservation {
            quality: quality(),
            barcode: None,
            mrz: Some(MrzReading::from_lines(&[
                &format!("P<{state}KOWALSKA<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<"),
                &format!("AB12345671{state}9001077F301231611144477735<<<82"),
            ])),
            other_mrz_readings: Vec::new(),
            text: Some(lines(&[
                "PASSPORT",
                "KOWALSKA",
                "ANNA",
                "07 JAN 1990",
                "AB1234567",
            ])),
            faces: None,
        })),
        back: None,
        selfie: None,
        closer_looked: false,
    };
    let sub = Submission {
        document_front: Some("file_front".into()),
        document_type: Some(DocumentType::Passport),
        id_number: Some("529.982.247-25".into()),
        ..Default::default()
    };
    // A Polish passport's personal number is no CPF: the typed CPF is not compared with it.
    let polish = decide(&s, &sub, &passport("POL"));
    assert!(
        matches!(polish.result.verdict, Verdict::Verified(_)),
        "{polish:?}"
    );
    // A Brazilian passport carrying another CPF disagrees with the typed one.
    let brazilian = decide(&s, &sub, &passport("BRA"));
    assert_eq!(
        failure_of(&brazilian).0,
        Some(LastErrorCode::IdNumberMismatch)
    );
}

#[test]
fn sections_an_earlier_failure_kept_from_running_say_so() {
    let s = session(
        SessionType::Document,
        DocumentOptions {
            require_id_number: Some(true),
            require_matching_selfie: Some(true),
            ..Default::default()
        },
    );
    let expired = observed(
        licence_front("01/07/1990"),
        Some(licence("08142025", "01071990", None)),
    );
    let mut sub = submission(Some("123-45-6780"));
    sub.selfie = Some("file_selfie".into());
    let decision = decide(&s, &sub, &expired);
    assert_eq!(
        failure_of(&decision).0,
        Some(LastErrorCode::DocumentExpired)
    );
    let id_number = decision.result.id_number.as_ref().unwrap();
    assert_eq!(id_number.status, CheckStatus::Unverified);
    let error = id_number
        .error
        .as_ref()
        .expect("an unverified section has an error");
    assert_eq!(error.code.as_deref(), Some("id_number_unverified_other"));
    let selfie = decision.result.selfie.as_ref().unwrap();
    assert_eq!(
        selfie.error.as_ref().and_then(|e| e.code.as_deref()),
        Some("selfie_unverified_other")
    );
}

#[test]
fn a_selfie_upload_is_sent_back_for_what_the_user_can_fix() {
    use crate::live::feedback::{selfie_feedback, Retake};
    use crate::live::selfie::SelfieLimits;
    use crate::observation::{Side, VisionError};
    let limits = SelfieLimits::default();
    let with_faces = |faces| {
        Ok(ImageObservation {
            quality: quality(),
            barcode: None,
            mrz: None,
            other_mrz_readings: Vec::new(),
            text: None,
            faces,
        })
    };
    assert_eq!(
        selfie_feedback(&with_faces(Some(vec![])), &limits),
        Some(Retake::NoFace)
    );
    // Not looked at (no face reader): nothing to ask; the worker decides.
    assert_eq!(selfie_feedback(&with_faces(None), &limits), None);
    assert_eq!(
        selfie_feedback(&Err(ReadFailure::Vision(VisionError::Undecodable)), &limits),
        Some(Retake::Undecodable)
    );
    assert_eq!(selfie_feedback(&Err(ReadFailure::TimedOut), &limits), None);
    let small = Retake::TooSmall.message(Side::Selfie, None);
    assert!(small.contains("selfie"), "{small}");
    assert!(!small.contains("document"), "{small}");
}

fn text_only(text: &[&str]) -> ImageObservation {
    ImageObservation {
        quality: quality(),
        barcode: None,
        mrz: None,
        other_mrz_readings: Vec::new(),
        text: Some(lines(text)),
        faces: None,
    }
}

#[test]
fn a_front_read_too_poorly_asks_for_one_closer_look_which_can_complete_it() {
    let s = document_session();
    let sub = submission(None);
    // The usual reading missed the document number.
    let mut obs = observed(
        lines(&[
            "CALIFORNIA DRIVER LICENSE",
            "SAMPLE",
            "JANE ROSE",
            "DOB 01/07/1990",
        ]),
        Some(licence("08142030", "01071990", None)),
    );
    let first = decide(&s, &sub, &obs);
    let (code, reason) = failure_of(&first);
    assert_eq!(code, Some(LastErrorCode::DocumentUnverifiedOther));
    assert!(reason.contains("document number"), "{reason}");
    assert_eq!(
        first.closer_look,
        vec![(
            Side::Front,
            Wanted {
                text: true,
                closer_look: true,
                ..Wanted::default()
            }
        )]
    );
    obs.add_closer_look(Side::Front, Ok(text_only(&["DL D1234567"])));
    let second = decide(&s, &sub, &obs);
    assert!(
        matches!(second.result.verdict, Verdict::Verified(_)),
        "{second:?}"
    );
    assert!(second.closer_look.is_empty());
}

#[test]
fn a_closer_look_never_makes_a_front_printed_with_other_data_agree() {
    let s = document_session();
    let sub = submission(None);
    // A forged front: another document number, read the same by both looks.
    let forged = lines(&[
        "CALIFORNIA DRIVER LICENSE",
        "DL D1234568",
        "SAMPLE",
        "JANE ROSE",
        "DOB 01/07/1990",
    ]);
    let mut obs = observed(forged.clone(), Some(licence("08142030", "01071990", None)));
    let first = decide(&s, &sub, &obs);
    assert_eq!(first.closer_look.len(), 1);
    obs.add_closer_look(
        Side::Front,
        Ok(text_only(&["DL D1234568", "D1234568", "SAMPLE"])),
    );
    let second = decide(&s, &sub, &obs);
    let (code, reason) = failure_of(&second);
    assert_eq!(code, Some(LastErrorCode::DocumentUnverifiedOther));
    assert!(reason.contains("document number"), "{reason}");
    // One round only: the second decision asks for nothing more.
    assert!(second.closer_look.is_empty());
    // A closer look that failed adds nothing and still ends the rounds.
    let mut timed_out = observed(forged, Some(licence("08142030", "01071990", None)));
    timed_out.add_closer_look(Side::Front, Err(ReadFailure::TimedOut));
    let third = decide(&s, &sub, &timed_out);
    assert_eq!(failure_of(&third), (code, reason));
    assert!(third.closer_look.is_empty());
}

#[test]
fn an_mrz_failing_its_check_digits_asks_for_a_closer_look_whose_readings_must_hold_on_their_own() {
    let s = document_session();
    let sub = Submission {
        document_front: Some("file_front".into()),
        document_type: Some(DocumentType::Passport),
        ..Default::default()
    };
    let page = |mrz: &[&str]| ImageObservation {
        quality: quality(),
        barcode: None,
        mrz: Some(MrzReading::from_lines(mrz)),
        other_mrz_readings: Vec::new(),
        text: Some(lines(&[
            "PASSPORT",
            "ERIKSSON",
            "ANNA MARIA",
            "12 AUG 1974",
            "L898902C3",
        ])),
        faces: None,
    };
    const NAMES: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
    // The usual reading: the document number's check digit misread (6 → 7). Valid line:
    // the ICAO specimen with its expiry moved to 2034 (check digit 9, composite 6).
    const MISREAD: &str = "L898902C37UTO7408122F3404159ZE184226B<<<<<16";
    const VALID: &str = "L898902C36UTO7408122F3404159ZE184226B<<<<<16";
    // Another misreading: the number's own check digit holds but the composite does not.
    const WRONG: &str = "L898902C47UTO7408122F3404159ZE184226B<<<<<16";
    let mut obs = Observed {
        front: Some(Ok(page(&[NAMES, MISREAD]))),
        ..Observed::default()
    };
    let first = decide(&s, &sub, &obs);
    assert!(failure_of(&first).1.contains("check digit"));
    assert_eq!(
        first.closer_look,
        vec![(
            Side::Front,
            Wanted {
                mrz: true,
                closer_look: true,
                ..Wanted::default()
            }
        )]
    );
    let mut closer = page(&[NAMES, WRONG]);
    closer.text = None;
    let mut wrong_only = obs.clone();
    wrong_only.add_closer_look(Side::Front, Ok(closer.clone()));
    let (code, reason) = failure_of(&decide(&s, &sub, &wrong_only));
    assert_eq!(code, Some(LastErrorCode::DocumentUnverifiedOther));
    assert!(reason.contains("check digit"), "{reason}");

    closer.other_mrz_readings = vec![MrzReading::from_lines(&[NAMES, VALID])];
    obs.add_closer_look(Side::Front, Ok(closer));
    let second = decide(&s, &sub, &obs);
    let Verdict::Verified(outputs) = &second.result.verdict else {
        panic!("{second:?}")
    };
    assert_eq!(outputs.last_name.as_deref(), Some("ERIKSSON"));
    assert_eq!(
        second.result.document.as_ref().unwrap().number.as_deref(),
        Some("L898902C3")
    );
}
