//! Random but plausible MRZ text (ICAO 9303 TD1, TD2, TD3) with correct check digits, for
//! evaluation scenes and test fixtures; plus the field layout the evaluation uses to repair
//! characters only where a check digit confirms it (as the MRZ parser does).

use rand::rngs::StdRng;
use rand::Rng;

pub const ALPHABET: &str = verifyd_vision::mrz::ALPHABET;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Td1,
    Td2,
    Td3,
}

impl Layout {
    pub fn lines(self) -> usize {
        match self {
            Layout::Td1 => 3,
            _ => 2,
        }
    }
    pub fn width(self) -> usize {
        match self {
            Layout::Td1 => 30,
            Layout::Td2 => 36,
            Layout::Td3 => 44,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Layout::Td1 => "TD1",
            Layout::Td2 => "TD2",
            Layout::Td3 => "TD3",
        }
    }
}

/// ICAO 9303 check digit: weights 7, 3, 1; digits are their value, A–Z 10–35, `<` 0.
pub fn check_digit(field: &str) -> char {
    let sum: u32 = field
        .chars()
        .zip([7u32, 3, 1].iter().cycle())
        .map(|(c, w)| value(c) * w)
        .sum();
    char::from_digit(sum % 10, 10).expect("digit")
}

fn value(c: char) -> u32 {
    match c {
        '0'..='9' => c as u32 - '0' as u32,
        'A'..='Z' => c as u32 - 'A' as u32 + 10,
        _ => 0,
    }
}

const COUNTRIES: [&str; 16] = [
    "UTO", "D<<", "GBR", "FRA", "USA", "NLD", "CAN", "ESP", "ITA", "SWE", "POL", "BRA", "IND",
    "JPN", "NZL", "ZAF",
];
const SYLLABLES: [&str; 24] = [
    "AN", "ER", "IK", "SON", "MA", "RIA", "LO", "VEN", "TH", "OR", "QU", "ZE", "BA", "KH", "WY",
    "JO", "UX", "DE", "PI", "GO", "CH", "ST", "EL", "NA",
];

fn word(rng: &mut StdRng, min: usize, max: usize) -> String {
    let n = rng.gen_range(min..=max);
    (0..n)
        .map(|_| SYLLABLES[rng.gen_range(0..SYLLABLES.len())])
        .collect()
}

fn name_field(rng: &mut StdRng, width: usize) -> String {
    let mut s = word(rng, 1, 4);
    if rng.gen_bool(0.3) {
        s.push('<');
        s.push_str(&word(rng, 1, 3));
    }
    s.push_str("<<");
    s.push_str(&word(rng, 1, 3));
    for _ in 0..rng.gen_range(0..3) {
        s.push('<');
        s.push_str(&word(rng, 1, 3));
    }
    pad(&s, width)
}

fn pad(s: &str, width: usize) -> String {
    let mut s: String = s.chars().take(width).collect();
    while s.len() < width {
        s.push('<');
    }
    s
}

fn alnum(rng: &mut StdRng, n: usize, digit_share: f64) -> String {
    (0..n)
        .map(|_| {
            if rng.gen_bool(digit_share) {
                char::from(b'0' + rng.gen_range(0..10u8))
            } else {
                char::from(b'A' + rng.gen_range(0..26u8))
            }
        })
        .collect()
}

fn date(rng: &mut StdRng) -> String {
    format!(
        "{:02}{:02}{:02}",
        rng.gen_range(0..100),
        rng.gen_range(1..=12),
        rng.gen_range(1..=28)
    )
}

fn doc_number(rng: &mut StdRng) -> String {
    let len = rng.gen_range(6..=9);
    pad(&alnum(rng, len, 0.6), 9)
}

fn optional(rng: &mut StdRng, width: usize) -> String {
    if rng.gen_bool(0.5) {
        "<".repeat(width)
    } else {
        let len = rng.gen_range(1..=width);
        pad(&alnum(rng, len, 0.7), width)
    }
}

fn sex(rng: &mut StdRng) -> char {
    ['M', 'F', '<'][rng.gen_range(0..3)]
}

fn country(rng: &mut StdRng) -> &'static str {
    COUNTRIES[rng.gen_range(0..COUNTRIES.len())]
}

/// A random MRZ of the layout, every check digit correct.
pub fn random_mrz(rng: &mut StdRng, layout: Layout) -> Vec<String> {
    match layout {
        Layout::Td3 => {
            let l1 = format!("P<{}{}", country(rng), name_field(rng, 39));
            let doc = doc_number(rng);
            let dob = date(rng);
            let exp = date(rng);
            let opt = optional(rng, 14);
            let opt_cd = if opt.chars().all(|c| c == '<') {
                '<'
            } else {
                check_digit(&opt)
            };
            let mut l2 = format!(
                "{doc}{}{}{dob}{}{}{exp}{}{opt}{opt_cd}",
                check_digit(&doc),
                country(rng),
                check_digit(&dob),
                sex(rng),
                check_digit(&exp)
            );
            let composite = format!("{}{}{}", &l2[0..10], &l2[13..20], &l2[21..43]);
            l2.push(check_digit(&composite));
            vec![l1, l2]
        }
        Layout::Td2 => {
            let code = ["I<", "ID", "AC", "C<"][rng.gen_range(0..4)];
            let l1 = format!("{code}{}{}", country(rng), name_field(rng, 31));
            let doc = doc_number(rng);
            let dob = date(rng);
            let exp = date(rng);
            let mut l2 = format!(
                "{doc}{}{}{dob}{}{}{exp}{}{}",
                check_digit(&doc),
                country(rng),
                check_digit(&dob),
                sex(rng),
                check_digit(&exp),
                optional(rng, 7)
            );
            let composite = format!("{}{}{}", &l2[0..10], &l2[13..20], &l2[21..35]);
            l2.push(check_digit(&composite));
            vec![l1, l2]
        }
        Layout::Td1 => {
            let code = ["I<", "ID", "AC", "C<"][rng.gen_range(0..4)];
            let doc = doc_number(rng);
            let l1 = format!(
                "{code}{}{doc}{}{}",
                country(rng),
                check_digit(&doc),
                optional(rng, 15)
            );
            let dob = date(rng);
            let exp = date(rng);
            let mut l2 = format!(
                "{dob}{}{}{exp}{}{}{}",
                check_digit(&dob),
                sex(rng),
                check_digit(&exp),
                country(rng),
                optional(rng, 11)
            );
            let composite = format!("{}{}{}{}", &l1[5..30], &l2[0..7], &l2[8..15], &l2[18..29]);
            l2.push(check_digit(&composite));
            let l3 = name_field(rng, 30);
            vec![l1, l2, l3]
        }
    }
}

/// What may stand at a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Digit,
    Alpha,
    Any,
}

impl Kind {
    pub fn allows(self, c: char) -> bool {
        match self {
            Kind::Digit => c.is_ascii_digit(),
            Kind::Alpha => c.is_ascii_uppercase() || c == '<',
            Kind::Any => true,
        }
    }
}

/// A check-digit-protected field: its (line, start, end) ranges and where its check digit is.
#[derive(Debug, Clone)]
pub struct Checked {
    pub parts: Vec<(usize, usize, usize)>,
    pub digit: (usize, usize),
}

/// Position kinds and checked fields of a layout (TD3 optional data's check digit may be `<`
/// when the field is empty; it is treated as `Any` and the field as unchecked then).
pub fn fields(layout: Layout) -> (Vec<Vec<Kind>>, Vec<Checked>) {
    let w = layout.width();
    let mut kinds = vec![vec![Kind::Any; w]; layout.lines()];
    let set = |kinds: &mut Vec<Vec<Kind>>, line: usize, a: usize, b: usize, k: Kind| {
        for kind in &mut kinds[line][a..b] {
            *kind = k;
        }
    };
    let mut checked = Vec::new();
    let ck = |parts: Vec<(usize, usize, usize)>, line: usize, at: usize| Checked {
        parts,
        digit: (line, at),
    };
    match layout {
        Layout::Td3 => {
            set(&mut kinds, 0, 0, 1, Kind::Alpha);
            set(&mut kinds, 0, 2, 44, Kind::Alpha);
            set(&mut kinds, 1, 9, 10, Kind::Digit);
            set(&mut kinds, 1, 10, 13, Kind::Alpha);
            set(&mut kinds, 1, 13, 20, Kind::Digit);
            set(&mut kinds, 1, 20, 21, Kind::Alpha);
            set(&mut kinds, 1, 21, 28, Kind::Digit);
            set(&mut kinds, 1, 43, 44, Kind::Digit);
            checked.push(ck(vec![(1, 0, 9)], 1, 9));
            checked.push(ck(vec![(1, 13, 19)], 1, 19));
            checked.push(ck(vec![(1, 21, 27)], 1, 27));
            checked.push(ck(vec![(1, 0, 10), (1, 13, 20), (1, 21, 43)], 1, 43));
        }
        Layout::Td2 => {
            set(&mut kinds, 0, 0, 1, Kind::Alpha);
            set(&mut kinds, 0, 2, 36, Kind::Alpha);
            set(&mut kinds, 1, 9, 10, Kind::Digit);
            set(&mut kinds, 1, 10, 13, Kind::Alpha);
            set(&mut kinds, 1, 13, 20, Kind::Digit);
            set(&mut kinds, 1, 20, 21, Kind::Alpha);
            set(&mut kinds, 1, 21, 28, Kind::Digit);
            set(&mut kinds, 1, 35, 36, Kind::Digit);
            checked.push(ck(vec![(1, 0, 9)], 1, 9));
            checked.push(ck(vec![(1, 13, 19)], 1, 19));
            checked.push(ck(vec![(1, 21, 27)], 1, 27));
            checked.push(ck(vec![(1, 0, 10), (1, 13, 20), (1, 21, 35)], 1, 35));
        }
        Layout::Td1 => {
            set(&mut kinds, 0, 0, 1, Kind::Alpha);
            set(&mut kinds, 0, 2, 5, Kind::Alpha);
            set(&mut kinds, 0, 14, 15, Kind::Digit);
            set(&mut kinds, 1, 0, 7, Kind::Digit);
            set(&mut kinds, 1, 7, 8, Kind::Alpha);
            set(&mut kinds, 1, 8, 15, Kind::Digit);
            set(&mut kinds, 1, 15, 18, Kind::Alpha);
            set(&mut kinds, 1, 29, 30, Kind::Digit);
            set(&mut kinds, 2, 0, 30, Kind::Alpha);
            checked.push(ck(vec![(0, 5, 14)], 0, 14));
            checked.push(ck(vec![(1, 0, 6)], 1, 6));
            checked.push(ck(vec![(1, 8, 14)], 1, 14));
            checked.push(ck(
                vec![(0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 29)],
                1,
                29,
            ));
        }
    }
    (kinds, checked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn check_digits_match_the_icao_specimen() {
        // ICAO 9303 part 4 specimen: L898902C3 → 6, 740812 → 2, 120415 → 9.
        assert_eq!(check_digit("L898902C3"), '6');
        assert_eq!(check_digit("740812"), '2');
        assert_eq!(check_digit("120415"), '9');
    }

    #[test]
    fn generated_zones_have_the_layout_sizes_and_valid_checks() {
        let mut rng = StdRng::seed_from_u64(1);
        for layout in [Layout::Td1, Layout::Td2, Layout::Td3] {
            for _ in 0..50 {
                let lines = random_mrz(&mut rng, layout);
                assert_eq!(lines.len(), layout.lines());
                for l in &lines {
                    assert_eq!(l.len(), layout.width(), "{l}");
                    assert!(l.chars().all(|c| ALPHABET.contains(c)));
                }
                let (kinds, checked) = fields(layout);
                for c in &checked {
                    let text: String = c.parts.iter().map(|&(l, a, b)| &lines[l][a..b]).collect();
                    let digit = lines[c.digit.0].as_bytes()[c.digit.1] as char;
                    assert_eq!(check_digit(&text), digit, "{lines:?}");
                }
                for (l, line) in lines.iter().enumerate() {
                    for (i, ch) in line.chars().enumerate() {
                        assert!(kinds[l][i].allows(ch), "{layout:?} {l}:{i} {ch}");
                    }
                }
            }
        }
    }
}
