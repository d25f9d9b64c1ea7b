//! Invented people and the places that issue their documents: name lists, fake addresses,
//! AAMVA jurisdictions with their published IINs, ICAO issuing states, and document-number
//! shapes. Everything is random and fictitious; nothing here is a real person's data or a
//! real document number.

use rand::seq::SliceRandom;
use rand::Rng;

/// Common given names (F); a hyphenated one exercises MRZ `<` mapping.
pub const GIVEN_FEMALE: &[&str] = &[
    "JANE",
    "MARY",
    "ANNA",
    "EMMA",
    "OLIVIA",
    "SOPHIA",
    "LAURA",
    "SARAH",
    "EMILY",
    "GRACE",
    "CLAIRE",
    "JULIA",
    "NORA",
    "ALICE",
    "HANNAH",
    "CHLOE",
    "ELENA",
    "LUCY",
    "MAYA",
    "ZOE",
    "ROSE",
    "IRIS",
    "NINA",
    "EVA",
    "LEA",
    "INES",
    "MARIE",
    "SOFIA",
    "AMELIA",
    "CHARLOTTE",
    "ISABELLA",
    "VICTORIA",
    "ALEXANDRA",
    "KATHERINE",
    "MARGARET",
    "ELIZABETH",
    "ANNE-MARIE",
];
/// Common given names (M).
pub const GIVEN_MALE: &[&str] = &[
    "JOHN",
    "JAMES",
    "DAVID",
    "MICHAEL",
    "PETER",
    "PAUL",
    "MARK",
    "LUKE",
    "SAM",
    "ADAM",
    "NOAH",
    "LIAM",
    "OWEN",
    "ERIC",
    "HENRY",
    "JACK",
    "LEO",
    "MAX",
    "OSCAR",
    "HUGO",
    "LUCAS",
    "MATEO",
    "DANIEL",
    "THOMAS",
    "ANDREW",
    "SIMON",
    "VICTOR",
    "FELIX",
    "JONAS",
    "EMIL",
    "BENJAMIN",
    "CHRISTOPHER",
    "ALEXANDER",
    "SEBASTIAN",
    "MAXIMILIAN",
    "JEAN-PIERRE",
];
/// Family names, including multi-word, apostrophe, hyphenated and long ones (MRZ truncation).
pub const FAMILY: &[&str] = &[
    "SAMPLE",
    "SPECIMEN",
    "SMITH",
    "JOHNSON",
    "BROWN",
    "TAYLOR",
    "MILLER",
    "WILSON",
    "MOORE",
    "CLARK",
    "LEWIS",
    "WALKER",
    "HALL",
    "ALLEN",
    "YOUNG",
    "KING",
    "WRIGHT",
    "SCOTT",
    "GREEN",
    "BAKER",
    "ADAMS",
    "NELSON",
    "HILL",
    "CAMPBELL",
    "MITCHELL",
    "ROBERTS",
    "CARTER",
    "MARTIN",
    "BERNARD",
    "DUBOIS",
    "MULLER",
    "SCHMIDT",
    "FISCHER",
    "WEBER",
    "JANSEN",
    "DE VRIES",
    "VAN DER BERG",
    "GARCIA",
    "LOPEZ",
    "SILVA",
    "SANTOS",
    "ROSSI",
    "TAN",
    "LIM",
    "NGUYEN",
    "O'BRIEN",
    "O'CONNOR",
    "SMITH-JONES",
    "MARTIN-LEROY",
    "DE LA CRUZ",
    "ERIKSSON",
    "MONTGOMERY-FITZGERALD",
    "VANDERHOEVEN-BLACKWOOD",
];
/// Street names for invented addresses.
pub const STREETS: &[&str] = &[
    "MAIN ST",
    "OAK AVE",
    "MAPLE DR",
    "ELM ST",
    "PINE RD",
    "CEDAR LN",
    "LAKE ST",
    "HILL RD",
    "PARK AVE",
    "RIVER RD",
    "SUNSET BLVD",
    "MILL ST",
    "CHURCH ST",
    "SPRING ST",
    "BIRCH CT",
    "WILLOW WAY",
    "HIGHLAND AVE",
    "FOREST DR",
    "ORCHARD LN",
    "MEADOW RD",
];
/// Invented-sounding town names.
pub const CITIES: &[&str] = &[
    "ANYTOWN",
    "SAMPLEVILLE",
    "FAIRVIEW",
    "RIVERTON",
    "LAKEWOOD",
    "MAPLETON",
    "OAKDALE",
    "CEDAR FALLS",
    "SPRINGDALE",
    "GREENFIELD",
    "MILLBROOK",
    "STONEBRIDGE",
    "BROOKSIDE",
    "HILLCREST",
    "PINEHURST",
    "WESTBURY",
    "EASTON",
    "NORTHWOOD",
];

/// An AAMVA jurisdiction: code, printed name, issuer identification number, and the shape of
/// its licence numbers (`A` letter, `#` digit, `S` first letter of the surname, other
/// characters printed literally and dropped from the barcode's DAQ).
#[derive(Clone, Copy, Debug)]
pub struct Jurisdiction {
    pub code: &'static str,
    pub name: &'static str,
    pub iin: &'static str,
    pub number_shape: &'static str,
    /// First digit(s) of US ZIP codes, or first letter of Canadian postal codes.
    pub postal_prefix: &'static str,
    pub canadian: bool,
}

const fn us(
    code: &'static str,
    name: &'static str,
    iin: &'static str,
    shape: &'static str,
    zip: &'static str,
) -> Jurisdiction {
    Jurisdiction {
        code,
        name,
        iin,
        number_shape: shape,
        postal_prefix: zip,
        canadian: false,
    }
}
const fn ca(
    code: &'static str,
    name: &'static str,
    iin: &'static str,
    shape: &'static str,
    postal: &'static str,
) -> Jurisdiction {
    Jurisdiction {
        code,
        name,
        iin,
        number_shape: shape,
        postal_prefix: postal,
        canadian: true,
    }
}

/// US states with their AAMVA IINs.
pub const US_JURISDICTIONS: &[Jurisdiction] = &[
    us("CA", "CALIFORNIA", "636014", "A#######", "9"),
    us("NY", "NEW YORK", "636001", "### ### ###", "1"),
    us("TX", "TEXAS", "636015", "########", "7"),
    us("FL", "FLORIDA", "636010", "S###-###-##-###-#", "3"),
    us("IL", "ILLINOIS", "636035", "S###-####-####", "6"),
    us("PA", "PENNSYLVANIA", "636025", "## ### ###", "1"),
    us("OH", "OHIO", "636023", "AA######", "4"),
    us("WA", "WASHINGTON", "636045", "WDLAAAA###AA", "9"),
    us("MI", "MICHIGAN", "636032", "S ### ### ### ###", "4"),
    us("GA", "GEORGIA", "636055", "#########", "3"),
    us("AZ", "ARIZONA", "636026", "A########", "8"),
    us("CO", "COLORADO", "636020", "##-###-####", "8"),
    us("MD", "MARYLAND", "636003", "S-###-###-###-###", "2"),
    us("VA", "VIRGINIA", "636000", "A##-##-####", "2"),
    us("OR", "OREGON", "636029", "#######", "9"),
    us("MN", "MINNESOTA", "636038", "S############", "5"),
];

/// Canadian provinces with their AAMVA IINs.
pub const CA_JURISDICTIONS: &[Jurisdiction] = &[
    ca("ON", "ONTARIO", "636012", "S####-#####-#####", "KLMNP"),
    ca("BC", "BRITISH COLUMBIA", "636028", "#######", "V"),
    ca("AB", "ALBERTA", "604432", "######-###", "T"),
    ca("QC", "QUEBEC", "604428", "S####-######-##", "GHJ"),
    ca("MB", "MANITOBA", "636048", "AAAAA-A###AA", "R"),
    ca("SK", "SASKATCHEWAN", "636044", "########", "S"),
    ca("NS", "NOVA SCOTIA", "636013", "AAAAA######", "B"),
    ca("NB", "NEW BRUNSWICK", "636017", "#######", "E"),
];

/// Looks up a US state or Canadian province by its two-letter code.
pub fn jurisdiction(code: &str) -> Option<&'static Jurisdiction> {
    US_JURISDICTIONS
        .iter()
        .chain(CA_JURISDICTIONS)
        .find(|j| j.code == code)
}

/// An ICAO issuing state used for MRZ documents.
#[derive(Clone, Copy, Debug)]
pub struct IcaoState {
    /// Three-character MRZ code ("D" for Germany is written "D<<" in the MRZ).
    pub code: &'static str,
    /// ISO 3166-1 alpha-2, `None` for ICAO's fictional specimen state Utopia.
    pub alpha2: Option<&'static str>,
    pub name: &'static str,
    /// Printed in the header beside the English title.
    pub passport_title: &'static str,
    pub id_title: &'static str,
    /// Passport-number shape (see [`fill_shape`]).
    pub passport_shape: &'static str,
    pub id_shape: &'static str,
    pub date_style: DateStyle,
    /// Document code for ID cards (TD1/TD2).
    pub id_code: &'static str,
    pub has_id_card: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
/// How a state prints dates in the visual zone.
pub enum DateStyle {
    Icao,
    Dotted,
    DayFirst,
}

// A table-building shorthand: one argument per column keeps the table below readable.
#[allow(clippy::too_many_arguments)]
const fn st(
    code: &'static str,
    alpha2: Option<&'static str>,
    name: &'static str,
    passport_title: &'static str,
    id_title: &'static str,
    shapes: (&'static str, &'static str),
    date_style: DateStyle,
    id: (&'static str, bool),
) -> IcaoState {
    IcaoState {
        code,
        alpha2,
        name,
        passport_title,
        id_title,
        passport_shape: shapes.0,
        id_shape: shapes.1,
        date_style,
        id_code: id.0,
        has_id_card: id.1,
    }
}

/// Issuing states for MRZ documents (Utopia first).
pub const ICAO_STATES: &[IcaoState] = &[
    st(
        "UTO",
        None,
        "UTOPIA",
        "PASSPORT",
        "IDENTITY CARD",
        ("A######A#", "AAA######"),
        DateStyle::Icao,
        ("I<", true),
    ),
    st(
        "FRA",
        Some("FR"),
        "RÉPUBLIQUE FRANÇAISE",
        "PASSEPORT",
        "CARTE NATIONALE D'IDENTITÉ",
        ("##AA#####", "X########"),
        DateStyle::DayFirst,
        ("ID", true),
    ),
    st(
        "D",
        Some("DE"),
        "BUNDESREPUBLIK DEUTSCHLAND",
        "REISEPASS",
        "PERSONALAUSWEIS",
        ("GXXXXXXXX", "LXXXXXXXX"),
        DateStyle::Dotted,
        ("ID", true),
    ),
    st(
        "NLD",
        Some("NL"),
        "KONINKRIJK DER NEDERLANDEN",
        "PASPOORT",
        "IDENTITEITSKAART",
        ("AAXXXXXX#", "AAXXXXXX#"),
        DateStyle::Icao,
        ("I<", true),
    ),
    st(
        "ESP",
        Some("ES"),
        "REINO DE ESPAÑA",
        "PASAPORTE",
        "DOCUMENTO NACIONAL DE IDENTIDAD",
        ("AAA######", "AAA######"),
        DateStyle::DayFirst,
        ("ID", true),
    ),
    st(
        "CAN",
        Some("CA"),
        "CANADA",
        "PASSPORT",
        "IDENTITY CARD",
        ("AA######", "AA######"),
        DateStyle::Icao,
        ("I<", false),
    ),
    st(
        "USA",
        Some("US"),
        "UNITED STATES OF AMERICA",
        "PASSPORT",
        "PASSPORT CARD",
        ("A########", "C########"),
        DateStyle::Icao,
        ("IP", false),
    ),
    st(
        "BRA",
        Some("BR"),
        "REPÚBLICA FEDERATIVA DO BRASIL",
        "PASSAPORTE",
        "CARTEIRA DE IDENTIDADE",
        ("AA######", "#########"),
        DateStyle::DayFirst,
        ("ID", true),
    ),
    st(
        "SGP",
        Some("SG"),
        "REPUBLIC OF SINGAPORE",
        "PASSPORT",
        "IDENTITY CARD",
        ("K#######A", "S#######A"),
        DateStyle::Icao,
        ("I<", false),
    ),
    st(
        "SWE",
        Some("SE"),
        "KONUNGARIKET SVERIGE",
        "PASS",
        "NATIONELLT IDENTITETSKORT",
        ("########", "########"),
        DateStyle::Icao,
        ("I<", true),
    ),
];

/// Looks up an issuing state by its MRZ code (`"D"` or `"D<<"` for Germany).
pub fn icao_state(code: &str) -> Option<&'static IcaoState> {
    let code = code.trim_end_matches('<');
    ICAO_STATES.iter().find(|s| s.code == code)
}

/// The three-character MRZ form of a state code ("D" → "D<<").
pub fn mrz_state(code: &str) -> String {
    format!("{code:<<3}")
}

/// Fills a number shape: `A` letter, `#` digit, `X` letter or digit (no I/O/Q, as several
/// states avoid them), `S` the surname's first letter, anything else literally.
pub fn fill_shape<R: Rng + ?Sized>(rng: &mut R, shape: &str, surname: &str) -> String {
    const LETTERS: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ";
    const ALNUM: &[u8] = b"0123456789CFGHJKLMNPRTVWXYZ";
    let initial = surname
        .chars()
        .find(|c| c.is_ascii_alphabetic())
        .unwrap_or('X');
    shape
        .chars()
        .map(|c| match c {
            'A' => *LETTERS.choose(rng).unwrap() as char,
            '#' => char::from(b'0' + rng.gen_range(0..10u8)),
            'X' => *ALNUM.choose(rng).unwrap() as char,
            'S' => initial,
            other => other,
        })
        .collect()
}

/// The compact form of a printed number: letters and digits only.
pub fn compact(number: &str) -> String {
    number
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}

/// Prints a compact number in a shape's layout (separators re-inserted).
pub fn format_in_shape(compact_number: &str, shape: &str) -> String {
    let mut out = String::new();
    let mut chars = compact_number.chars();
    for c in shape.chars() {
        if matches!(c, 'A' | '#' | 'X' | 'S') || c.is_ascii_alphanumeric() {
            match chars.next() {
                Some(n) => out.push(n),
                None => return compact_number.to_string(),
            }
        } else {
            out.push(c);
        }
    }
    if chars.next().is_some() {
        return compact_number.to_string();
    }
    out
}

/// A random US ZIP code (5 digits) starting with the jurisdiction's prefix digit.
pub fn us_zip<R: Rng + ?Sized>(rng: &mut R, prefix: &str) -> String {
    let mut s = prefix.chars().next().unwrap_or('9').to_string();
    for _ in 0..4 {
        s.push(char::from(b'0' + rng.gen_range(0..10u8)));
    }
    s
}

/// A random Canadian postal code `A1A 1A1` whose first letter belongs to the province.
pub fn ca_postal<R: Rng + ?Sized>(rng: &mut R, prefixes: &str) -> String {
    const L: &[u8] = b"ABCEGHJKLMNPRSTVWXYZ";
    let first = prefixes
        .chars()
        .collect::<Vec<_>>()
        .choose(rng)
        .copied()
        .unwrap_or('K');
    let d = |rng: &mut R| char::from(b'0' + rng.gen_range(0..10u8));
    let l = |rng: &mut R| *L.choose(rng).unwrap() as char;
    let (a, b, c, e, f) = (d(rng), l(rng), d(rng), l(rng), d(rng));
    format!("{first}{a}{b} {c}{e}{f}")
}

/// Replaces accented capitals by their ASCII letters (for MRZ and AAMVA fields).
pub fn ascii_fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'A',
            'Ç' => 'C',
            'È' | 'É' | 'Ê' | 'Ë' => 'E',
            'Ì' | 'Í' | 'Î' | 'Ï' => 'I',
            'Ñ' => 'N',
            'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => 'O',
            'Ù' | 'Ú' | 'Û' | 'Ü' => 'U',
            'Ý' => 'Y',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn shapes_fill_and_reformat() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let n = fill_shape(&mut rng, "S###-####-####", "SAMPLE");
        assert!(n.starts_with('S'));
        assert_eq!(n.len(), 14);
        assert_eq!(format_in_shape(&compact(&n), "S###-####-####"), n);
        assert_eq!(mrz_state("D"), "D<<");
    }
}
