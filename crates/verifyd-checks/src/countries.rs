//! Country codes as machine-readable documents write them: every ISO 3166-1 alpha-3 code,
//! plus the extra codes ICAO Doc 9303 Part 3 allows in a machine-readable zone (Germany's
//! one-letter `D`, the British nationality classes, UN and other organisations, stateless
//! persons and refugees, the EU laissez-passer, Kosovo) and `UTO`, the fictional Utopia of
//! ICAO's specimens. It owns the mapping to ISO alpha-2 codes; it does not decide whether a
//! country is supported for verification — that is policy, elsewhere.

/// Every ISO 3166-1 alpha-3 code with its alpha-2 code, sorted by alpha-3 (binary search).
/// Generated from the Debian `iso-codes` 4.15 list of ISO 3166-1 (249 entries).
const ISO_ALPHA3_TO_ALPHA2: &[(&str, &str)] = &[
    ("ABW", "AW"),
    ("AFG", "AF"),
    ("AGO", "AO"),
    ("AIA", "AI"),
    ("ALA", "AX"),
    ("ALB", "AL"),
    ("AND", "AD"),
    ("ARE", "AE"),
    ("ARG", "AR"),
    ("ARM", "AM"),
    ("ASM", "AS"),
    ("ATA", "AQ"),
    ("ATF", "TF"),
    ("ATG", "AG"),
    ("AUS", "AU"),
    ("AUT", "AT"),
    ("AZE", "AZ"),
    ("BDI", "BI"),
    ("BEL", "BE"),
    ("BEN", "BJ"),
    ("BES", "BQ"),
    ("BFA", "BF"),
    ("BGD", "BD"),
    ("BGR", "BG"),
    ("BHR", "BH"),
    ("BHS", "BS"),
    ("BIH", "BA"),
    ("BLM", "BL"),
    ("BLR", "BY"),
    ("BLZ", "BZ"),
    ("BMU", "BM"),
    ("BOL", "BO"),
    ("BRA", "BR"),
    ("BRB", "BB"),
    ("BRN", "BN"),
    ("BTN", "BT"),
    ("BVT", "BV"),
    ("BWA", "BW"),
    ("CAF", "CF"),
    ("CAN", "CA"),
    ("CCK", "CC"),
    ("CHE", "CH"),
    ("CHL", "CL"),
    ("CHN", "CN"),
    ("CIV", "CI"),
    ("CMR", "CM"),
    ("COD", "CD"),
    ("COG", "CG"),
    ("COK", "CK"),
    ("COL", "CO"),
    ("COM", "KM"),
    ("CPV", "CV"),
    ("CRI", "CR"),
    ("CUB", "CU"),
    ("CUW", "CW"),
    ("CXR", "CX"),
    ("CYM", "KY"),
    ("CYP", "CY"),
    ("CZE", "CZ"),
    ("DEU", "DE"),
    ("DJI", "DJ"),
    ("DMA", "DM"),
    ("DNK", "DK"),
    ("DOM", "DO"),
    ("DZA", "DZ"),
    ("ECU", "EC"),
    ("EGY", "EG"),
    ("ERI", "ER"),
    ("ESH", "EH"),
    ("ESP", "ES"),
    ("EST", "EE"),
    ("ETH", "ET"),
    ("FIN", "FI"),
    ("FJI", "FJ"),
    ("FLK", "FK"),
    ("FRA", "FR"),
    ("FRO", "FO"),
    ("FSM", "FM"),
    ("GAB", "GA"),
    ("GBR", "GB"),
    ("GEO", "GE"),
    ("GGY", "GG"),
    ("GHA", "GH"),
    ("GIB", "GI"),
    ("GIN", "GN"),
    ("GLP", "GP"),
    ("GMB", "GM"),
    ("GNB", "GW"),
    ("GNQ", "GQ"),
    ("GRC", "GR"),
    ("GRD", "GD"),
    ("GRL", "GL"),
    ("GTM", "GT"),
    ("GUF", "GF"),
    ("GUM", "GU"),
    ("GUY", "GY"),
    ("HKG", "HK"),
    ("HMD", "HM"),
    ("HND", "HN"),
    ("HRV", "HR"),
    ("HTI", "HT"),
    ("HUN", "HU"),
    ("IDN", "ID"),
    ("IMN", "IM"),
    ("IND", "IN"),
    ("IOT", "IO"),
    ("IRL", "IE"),
    ("IRN", "IR"),
    ("IRQ", "IQ"),
    ("ISL", "IS"),
    ("ISR", "IL"),
    ("ITA", "IT"),
    ("JAM", "JM"),
    ("JEY", "JE"),
    ("JOR", "JO"),
    ("JPN", "JP"),
    ("KAZ", "KZ"),
    ("KEN", "KE"),
    ("KGZ", "KG"),
    ("KHM", "KH"),
    ("KIR", "KI"),
    ("KNA", "KN"),
    ("KOR", "KR"),
    ("KWT", "KW"),
    ("LAO", "LA"),
    ("LBN", "LB"),
    ("LBR", "LR"),
    ("LBY", "LY"),
    ("LCA", "LC"),
    ("LIE", "LI"),
    ("LKA", "LK"),
    ("LSO", "LS"),
    ("LTU", "LT"),
    ("LUX", "LU"),
    ("LVA", "LV"),
    ("MAC", "MO"),
    ("MAF", "MF"),
    ("MAR", "MA"),
    ("MCO", "MC"),
    ("MDA", "MD"),
    ("MDG", "MG"),
    ("MDV", "MV"),
    ("MEX", "MX"),
    ("MHL", "MH"),
    ("MKD", "MK"),
    ("MLI", "ML"),
    ("MLT", "MT"),
    ("MMR", "MM"),
    ("MNE", "ME"),
    ("MNG", "MN"),
    ("MNP", "MP"),
    ("MOZ", "MZ"),
    ("MRT", "MR"),
    ("MSR", "MS"),
    ("MTQ", "MQ"),
    ("MUS", "MU"),
    ("MWI", "MW"),
    ("MYS", "MY"),
    ("MYT", "YT"),
    ("NAM", "NA"),
    ("NCL", "NC"),
    ("NER", "NE"),
    ("NFK", "NF"),
    ("NGA", "NG"),
    ("NIC", "NI"),
    ("NIU", "NU"),
    ("NLD", "NL"),
    ("NOR", "NO"),
    ("NPL", "NP"),
    ("NRU", "NR"),
    ("NZL", "NZ"),
    ("OMN", "OM"),
    ("PAK", "PK"),
    ("PAN", "PA"),
    ("PCN", "PN"),
    ("PER", "PE"),
    ("PHL", "PH"),
    ("PLW", "PW"),
    ("PNG", "PG"),
    ("POL", "PL"),
    ("PRI", "PR"),
    ("PRK", "KP"),
    ("PRT", "PT"),
    ("PRY", "PY"),
    ("PSE", "PS"),
    ("PYF", "PF"),
    ("QAT", "QA"),
    ("REU", "RE"),
    ("ROU", "RO"),
    ("RUS", "RU"),
    ("RWA", "RW"),
    ("SAU", "SA"),
    ("SDN", "SD"),
    ("SEN", "SN"),
    ("SGP", "SG"),
    ("SGS", "GS"),
    ("SHN", "SH"),
    ("SJM", "SJ"),
    ("SLB", "SB"),
    ("SLE", "SL"),
    ("SLV", "SV"),
    ("SMR", "SM"),
    ("SOM", "SO"),
    ("SPM", "PM"),
    ("SRB", "RS"),
    ("SSD", "SS"),
    ("STP", "ST"),
    ("SUR", "SR"),
    ("SVK", "SK"),
    ("SVN", "SI"),
    ("SWE", "SE"),
    ("SWZ", "SZ"),
    ("SXM", "SX"),
    ("SYC", "SC"),
    ("SYR", "SY"),
    ("TCA", "TC"),
    ("TCD", "TD"),
    ("TGO", "TG"),
    ("THA", "TH"),
    ("TJK", "TJ"),
    ("TKL", "TK"),
    ("TKM", "TM"),
    ("TLS", "TL"),
    ("TON", "TO"),
    ("TTO", "TT"),
    ("TUN", "TN"),
    ("TUR", "TR"),
    ("TUV", "TV"),
    ("TWN", "TW"),
    ("TZA", "TZ"),
    ("UGA", "UG"),
    ("UKR", "UA"),
    ("UMI", "UM"),
    ("URY", "UY"),
    ("USA", "US"),
    ("UZB", "UZ"),
    ("VAT", "VA"),
    ("VCT", "VC"),
    ("VEN", "VE"),
    ("VGB", "VG"),
    ("VIR", "VI"),
    ("VNM", "VN"),
    ("VUT", "VU"),
    ("WLF", "WF"),
    ("WSM", "WS"),
    ("YEM", "YE"),
    ("ZAF", "ZA"),
    ("ZMB", "ZM"),
    ("ZWE", "ZW"),
];

/// Codes ICAO allows in an MRZ beyond ISO 3166-1, with the alpha-2 code of the country they
/// belong to when there is one. `None` means a valid MRZ code that names no country (an
/// organisation, a stateless person, a refugee, the EU, or the specimens' Utopia).
const ICAO_EXTRA_CODES: &[(&str, Option<&str>)] = &[
    // Germany writes `D` (padded `D<<`) instead of `DEU`.
    ("D", Some("DE")),
    // British nationality classes: overseas territories citizen, national (overseas),
    // overseas citizen, protected person, subject. All are passports issued by the UK.
    ("GBD", Some("GB")),
    ("GBN", Some("GB")),
    ("GBO", Some("GB")),
    ("GBP", Some("GB")),
    ("GBS", Some("GB")),
    // United Nations organisation, a UN specialised agency, and UNMIK-issued documents for
    // residents of Kosovo.
    ("UNO", None),
    ("UNA", None),
    ("UNK", None),
    // Kosovo's own passports; `XK` is the user-assigned code everyone uses for Kosovo.
    ("RKS", Some("XK")),
    // European Union laissez-passer.
    ("EUE", None),
    // Other organisations ICAO lists as issuers.
    ("XBA", None), // African Development Bank
    ("XIM", None), // African Export–Import Bank
    ("XCC", None), // Caribbean Community (CARICOM)
    ("XCE", None), // Council of Europe
    ("XCO", None), // Common Market for Eastern and Southern Africa
    ("XDC", None), // Southern African Development Community
    ("XEC", None), // Economic Community of West African States
    ("XES", None), // Organisation of Eastern Caribbean States
    ("XMP", None), // Parliamentary Assembly of the Mediterranean
    ("XOM", None), // Sovereign Military Order of Malta
    ("XPO", None), // Interpol
    // Stateless person (1954 convention), refugee (1951 convention), other refugee, and
    // unspecified nationality.
    ("XXA", None),
    ("XXB", None),
    ("XXC", None),
    ("XXX", None),
    // Utopia: the fictional state of ICAO's specimen documents. Accepted so that specimens
    // parse; it maps to no country, so no real check can pass on it by accident.
    ("UTO", None),
];

/// What an MRZ country field (`"USA"`, `"D<<"`, `"D"`) denotes: `Some(alpha-2)` for a
/// country, `Some(None)` for a valid code that names no country, `None` for an unknown code.
fn lookup(code: &str) -> Option<Option<&'static str>> {
    // Fillers only pad a short code on the right (`D<<`); a code made only of fillers, or
    // longer than the three characters of the field, is not a code.
    if code.len() > 3 {
        return None;
    }
    let core = code.trim_end_matches('<');
    if core.is_empty() || !core.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    if let Ok(index) = ISO_ALPHA3_TO_ALPHA2.binary_search_by(|(alpha3, _)| (*alpha3).cmp(core)) {
        return Some(Some(ISO_ALPHA3_TO_ALPHA2[index].1));
    }
    ICAO_EXTRA_CODES
        .iter()
        .find(|(extra, _)| *extra == core)
        .map(|(_, alpha2)| *alpha2)
}

/// The ISO alpha-2 code of the country an MRZ (or ISO alpha-3) code names: `USA` -> `US`,
/// `D<<` or `D` -> `DE`, `GBN` -> `GB`, `RKS` -> `XK`. `None` both for unknown codes and for
/// valid codes that name no country (`UNO`, `XXA`, `EUE`, `UTO`); use
/// [`is_valid_mrz_country`] to tell those apart.
pub fn alpha3_to_alpha2(code: &str) -> Option<&'static str> {
    lookup(code).flatten()
}

/// Whether `code` is a country code an MRZ may carry in its issuing-state or nationality
/// field: an ISO 3166-1 alpha-3 code or one of ICAO's extra codes, upper case, padded on
/// the right with `<` to three characters or unpadded (`D<<`, `D`, `USA`).
pub fn is_valid_mrz_country(code: &str) -> bool {
    lookup(code).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_iso_table_is_sorted_so_binary_search_finds_every_entry() {
        assert!(ISO_ALPHA3_TO_ALPHA2.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(ISO_ALPHA3_TO_ALPHA2.len(), 249);
        for (alpha3, alpha2) in ISO_ALPHA3_TO_ALPHA2 {
            assert_eq!(alpha3_to_alpha2(alpha3), Some(*alpha2), "{alpha3}");
        }
    }

    #[test]
    fn north_american_codes_map_to_their_alpha2_codes() {
        assert_eq!(alpha3_to_alpha2("USA"), Some("US"));
        assert_eq!(alpha3_to_alpha2("CAN"), Some("CA"));
        assert_eq!(alpha3_to_alpha2("MEX"), Some("MX"));
    }

    #[test]
    fn germany_is_written_d_padded_or_not_as_well_as_deu() {
        assert_eq!(alpha3_to_alpha2("D<<"), Some("DE"));
        assert_eq!(alpha3_to_alpha2("D"), Some("DE"));
        assert_eq!(alpha3_to_alpha2("DEU"), Some("DE"));
        assert!(is_valid_mrz_country("D<<"));
    }

    #[test]
    fn british_nationality_classes_all_map_to_great_britain() {
        for code in ["GBR", "GBD", "GBN", "GBO", "GBP", "GBS"] {
            assert_eq!(alpha3_to_alpha2(code), Some("GB"), "{code}");
        }
    }

    #[test]
    fn kosovo_maps_to_the_user_assigned_code_xk() {
        assert_eq!(alpha3_to_alpha2("RKS"), Some("XK"));
    }

    #[test]
    fn organisations_stateless_persons_and_utopia_are_valid_but_name_no_country() {
        for code in [
            "UNO", "UNA", "UNK", "XXA", "XXB", "XXC", "XXX", "EUE", "UTO", "XOM", "XPO",
        ] {
            assert!(is_valid_mrz_country(code), "{code}");
            assert_eq!(alpha3_to_alpha2(code), None, "{code}");
        }
    }

    #[test]
    fn unknown_malformed_or_lower_case_codes_are_rejected() {
        for code in [
            "", "<<<", "XYZ", "ZZZ", "usa", "US", "USAA", "U<A", "<US", "D<<<", "12A",
        ] {
            assert!(!is_valid_mrz_country(code), "{code:?}");
            assert_eq!(alpha3_to_alpha2(code), None, "{code:?}");
        }
    }
}
