//! The fixed synthetic person of test mode, so integrators can assert on verified data:
//! Jenny Rosen, born 17 May 1990, of 1234 Main St., San Francisco, with a US driving
//! licence D1234567 issued 1 December 2020 and expiring 1 December 2030, and an SSN
//! ending 6789.

use verifyd_core::session::{Address, Date, IdNumberType, VerifiedOutputs};

pub const FIRST_NAME: &str = "Jenny";
pub const LAST_NAME: &str = "Rosen";
pub const DOCUMENT_NUMBER: &str = "D1234567";
pub const ISSUING_COUNTRY: &str = "US";
/// Only the last four digits of a US SSN are collected.
pub const ID_NUMBER: &str = "6789";

pub fn dob() -> Date {
    Date::new(1990, 5, 17)
}

pub fn issued_date() -> Date {
    Date::new(2020, 12, 1)
}

pub fn expiration_date() -> Date {
    Date::new(2030, 12, 1)
}

/// The expiry shown when a tester picks `document_expired`.
pub fn expired_date() -> Date {
    Date::new(2020, 1, 1)
}

pub fn address() -> Address {
    Address {
        city: Some("San Francisco".into()),
        country: Some("US".into()),
        line1: Some("1234 Main St.".into()),
        line2: None,
        postal_code: Some("94111".into()),
        state: Some("CA".into()),
    }
}

/// The verified outputs of the synthetic person for a session that checked a document
/// and/or an ID number.
pub fn verified_outputs(document: bool, id_number: bool) -> VerifiedOutputs {
    VerifiedOutputs {
        address: document.then(address),
        dob: Some(dob()),
        email: None,
        first_name: Some(FIRST_NAME.into()),
        id_number: id_number.then(|| ID_NUMBER.into()),
        id_number_type: id_number.then_some(IdNumberType::UsSsn),
        last_name: Some(LAST_NAME.into()),
        phone: None,
        sex: None,
        unparsed_place_of_birth: None,
        unparsed_sex: None,
    }
}
