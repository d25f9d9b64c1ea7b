//! Machine-readable zones of ICAO Doc 9303 travel documents: TD1 (3 lines of 30, ID cards),
//! TD2 (2 of 36) and TD3 (2 of 44, passports), and the MRV-A/MRV-B visas that share the
//! TD3/TD2 sizes. It owns turning a recogniser's reading — every character with its
//! candidates — into checked fields: each field constrained to its alphabet, every check
//! digit verified, dates and country codes decoded.
//!
//! The recogniser is imperfect, so a misread character may be repaired, but only where a
//! check digit confirms the repair: the repaired field's own check digit and the composite
//! check digit must both hold, and the repair must be clearly the most probable one that
//! does. A field without a check digit (names, nationality, optional data) is never changed
//! except to fit its alphabet. It does not judge the document (expired, too young): that is
//! the caller's policy. No I/O, no clock: `today` is given.

use verifyd_core::session::{Date, Sex};

use crate::countries;
use crate::observation::MrzReading;

/// The ICAO 9303 check digit of `field`: characters valued `0`–`9` for digits, 10–35 for
/// `A`–`Z` and 0 for the filler `<`, weighted 7, 3, 1 repeating, summed modulo 10.
/// Characters outside the MRZ alphabet count as 0, like the filler.
pub fn check_digit(field: &str) -> u8 {
    check_digit_of(field.chars())
}

fn check_digit_of(chars: impl Iterator<Item = char>) -> u8 {
    const WEIGHTS: [u32; 3] = [7, 3, 1];
    let sum: u32 = chars
        .enumerate()
        .map(|(i, c)| char_value(c) * WEIGHTS[i % 3])
        .sum();
    (sum % 10) as u8
}

fn char_value(c: char) -> u32 {
    match c {
        '0'..='9' => c as u32 - '0' as u32,
        'A'..='Z' => c as u32 - 'A' as u32 + 10,
        _ => 0,
    }
}

/// Whether `cd` is the digit `check_digit` gives for `value`.
fn holds(value: impl Iterator<Item = char>, cd: char) -> bool {
    cd.to_digit(10) == Some(u32::from(check_digit_of(value)))
}

/// The size of a machine-readable zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MrzFormat {
    /// Three lines of 30 characters (ID cards).
    Td1,
    /// Two lines of 36 characters (older ID cards, some residence permits; MRV-B visas).
    Td2,
    /// Two lines of 44 characters (passports; MRV-A visas).
    Td3,
}

/// Why a character differs from the recogniser's best reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepairReason {
    /// The best reading was not in the field's alphabet (a letter in a date, a digit in a
    /// name): the best candidate that is, or the character it is commonly misread as.
    Alphabet,
    /// A check digit failed and this candidate is the one that makes it, and the composite
    /// check digit, hold.
    CheckDigit,
}

/// One character changed from the recogniser's best reading. Lines and columns count
/// from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repair {
    pub line: usize,
    pub column: usize,
    pub from: char,
    pub to: char,
    pub reason: RepairReason,
}

/// A machine-readable zone whose check digits all hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MrzRecord {
    pub format: MrzFormat,
    /// `P`, `PP`, `I`, `ID`, `AC`, `C`, `V`… with fillers removed.
    pub document_code: String,
    /// The three characters as read (`UTO`, `D<<`): a valid ICAO code.
    pub issuing_state: String,
    pub surname: String,
    /// Given names separated by single spaces (`ANNA MARIA`).
    pub given_names: String,
    /// Fillers removed; a TD1/TD2 number longer than nine characters is joined with its
    /// continuation from the optional data.
    pub document_number: String,
    /// The three characters as read (`UTO`, `D<<`): a valid ICAO code.
    pub nationality: String,
    pub birth_date: Date,
    /// `None` when the sex position could not be read as `M`, `F`, `X` or `<`.
    pub sex: Option<Sex>,
    pub expiry_date: Date,
    /// TD3: the personal number; TD1: line 1's optional data (after a long document
    /// number's continuation); TD2: the optional data. Fillers trimmed from both ends.
    pub optional_data: String,
    /// TD1 line 2's optional data; empty for the other formats.
    pub optional_data_2: String,
    /// Whether the name field is full to its last position: the issuer may have cut the
    /// names to fit (ICAO truncation), so the last given name may be incomplete.
    pub name_truncated: bool,
    /// Every character that differs from the recogniser's best reading, and why.
    pub repairs: Vec<Repair>,
}

/// Why a reading is not a valid machine-readable zone. The messages name the field, never
/// its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MrzError {
    #[error("the lines do not have the layout of a TD1, TD2 or TD3 machine-readable zone")]
    UnknownLayout,
    #[error("the {field} check digit does not match")]
    CheckDigit { field: &'static str },
    #[error("the {field} was misread and more than one correction fits its check digits")]
    AmbiguousRepair { field: &'static str },
    #[error("the {field} is not a valid date")]
    InvalidDate { field: &'static str },
    #[error("the {field} is not a known country code")]
    InvalidCountry { field: &'static str },
}

const DOCUMENT_NUMBER: &str = "document number";
const BIRTH_DATE: &str = "date of birth";
const EXPIRY_DATE: &str = "date of expiry";
const PERSONAL_NUMBER: &str = "personal number";
const COMPOSITE: &str = "composite";
const ISSUING_STATE: &str = "issuing state";
const NATIONALITY: &str = "nationality";

/// A repair is kept only when no other validating reading is at least this fraction as
/// probable: otherwise the recogniser cannot tell them apart, and neither can we.
const AMBIGUITY_FACTOR: f64 = 2.0;
/// Alternatives tried per character, best first.
const ALTERNATIVES_PER_CHARACTER: usize = 3;
/// Validating repairs kept per field for the composite check.
const OPTIONS_PER_FIELD: usize = 8;

/// A run of characters on one line.
#[derive(Debug, Clone, Copy)]
struct Span {
    line: usize,
    start: usize,
    len: usize,
}

const fn span(line: usize, start: usize, len: usize) -> Span {
    Span { line, start, len }
}

impl Span {
    fn positions(self) -> impl Iterator<Item = (usize, usize)> {
        (self.start..self.start + self.len).map(move |column| (self.line, column))
    }
}

/// Where each field of one format sits (ICAO 9303 parts 4, 5, 6 and 7).
struct Layout {
    format: MrzFormat,
    width: usize,
    lines: usize,
    document_code: Span,
    issuing_state: Span,
    name: Span,
    document_number: Span,
    document_number_check: Span,
    nationality: Span,
    birth_date: Span,
    birth_date_check: Span,
    sex: Span,
    expiry_date: Span,
    expiry_date_check: Span,
    optional_data: Span,
    optional_data_2: Option<Span>,
    /// TD3 only: the personal number's check digit (`<` or `0` when there is none).
    personal_number_check: Option<Span>,
    composite_check: Option<Span>,
    composite_parts: &'static [Span],
    /// TD1 and TD2: a filler in the document number's check digit means the number goes on
    /// in the optional data, followed by its check digit.
    long_document_number: bool,
}

const TD3: Layout = Layout {
    format: MrzFormat::Td3,
    width: 44,
    lines: 2,
    document_code: span(0, 0, 2),
    issuing_state: span(0, 2, 3),
    name: span(0, 5, 39),
    document_number: span(1, 0, 9),
    document_number_check: span(1, 9, 1),
    nationality: span(1, 10, 3),
    birth_date: span(1, 13, 6),
    birth_date_check: span(1, 19, 1),
    sex: span(1, 20, 1),
    expiry_date: span(1, 21, 6),
    expiry_date_check: span(1, 27, 1),
    optional_data: span(1, 28, 14),
    optional_data_2: None,
    personal_number_check: Some(span(1, 42, 1)),
    composite_check: Some(span(1, 43, 1)),
    composite_parts: &[span(1, 0, 10), span(1, 13, 7), span(1, 21, 22)],
    long_document_number: false,
};

/// MRV-A visas: TD3-sized, 16 characters of optional data, no composite check digit.
const MRV_A: Layout = Layout {
    optional_data: span(1, 28, 16),
    personal_number_check: None,
    composite_check: None,
    composite_parts: &[],
    ..TD3
};

const TD2: Layout = Layout {
    format: MrzFormat::Td2,
    width: 36,
    lines: 2,
    document_code: span(0, 0, 2),
    issuing_state: span(0, 2, 3),
    name: span(0, 5, 31),
    document_number: span(1, 0, 9),
    document_number_check: span(1, 9, 1),
    nationality: span(1, 10, 3),
    birth_date: span(1, 13, 6),
    birth_date_check: span(1, 19, 1),
    sex: span(1, 20, 1),
    expiry_date: span(1, 21, 6),
    expiry_date_check: span(1, 27, 1),
    optional_data: span(1, 28, 7),
    optional_data_2: None,
    personal_number_check: None,
    composite_check: Some(span(1, 35, 1)),
    composite_parts: &[span(1, 0, 10), span(1, 13, 7), span(1, 21, 14)],
    long_document_number: true,
};

/// MRV-B visas: TD2-sized, 8 characters of optional data, no composite check digit.
const MRV_B: Layout = Layout {
    optional_data: span(1, 28, 8),
    composite_check: None,
    composite_parts: &[],
    long_document_number: false,
    ..TD2
};

const TD1: Layout = Layout {
    format: MrzFormat::Td1,
    width: 30,
    lines: 3,
    document_code: span(0, 0, 2),
    issuing_state: span(0, 2, 3),
    document_number: span(0, 5, 9),
    document_number_check: span(0, 14, 1),
    optional_data: span(0, 15, 15),
    birth_date: span(1, 0, 6),
    birth_date_check: span(1, 6, 1),
    sex: span(1, 7, 1),
    expiry_date: span(1, 8, 6),
    expiry_date_check: span(1, 14, 1),
    nationality: span(1, 15, 3),
    optional_data_2: Some(span(1, 18, 11)),
    composite_check: Some(span(1, 29, 1)),
    name: span(2, 0, 30),
    personal_number_check: None,
    composite_parts: &[
        span(0, 5, 25),
        span(1, 0, 7),
        span(1, 8, 7),
        span(1, 18, 11),
    ],
    long_document_number: true,
};

/// The characters a position may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Alphabet {
    /// Letters and the filler: names, country codes, the document code's second letter.
    Letters,
    /// The document code's first letter: `P`, `I`, `A`, `C` or `V` (ICAO 9303 part 4–7).
    DocumentKind,
    /// `M`, `F`, `X` or the filler.
    Sex,
    /// Digits: dates and check digits.
    Digits,
    /// Digits or the filler: a check digit that may be empty.
    DigitsOrFiller,
    /// Any MRZ character: document numbers and optional data.
    Any,
}

impl Alphabet {
    fn admits(self, c: char) -> bool {
        match self {
            Alphabet::Letters => c.is_ascii_uppercase() || c == '<',
            Alphabet::DocumentKind => matches!(c, 'P' | 'I' | 'A' | 'C' | 'V'),
            Alphabet::Sex => matches!(c, 'M' | 'F' | 'X' | '<'),
            Alphabet::Digits => c.is_ascii_digit(),
            Alphabet::DigitsOrFiller => c.is_ascii_digit() || c == '<',
            Alphabet::Any => is_mrz_char(c),
        }
    }

    /// What an out-of-alphabet character most likely was, for the shapes OCR confuses
    /// (`O`/`0`, `I`/`1`, `S`/`5`…). Used only when the recogniser offered no candidate
    /// of the alphabet at all.
    fn confused_with(self, c: char) -> Option<char> {
        match self {
            Alphabet::Digits | Alphabet::DigitsOrFiller => match c {
                'O' | 'Q' | 'D' => Some('0'),
                'I' | 'L' => Some('1'),
                'Z' => Some('2'),
                'S' => Some('5'),
                'G' => Some('6'),
                'B' => Some('8'),
                _ => None,
            },
            Alphabet::DocumentKind => match c {
                '1' | 'L' | 'T' => Some('I'),
                'R' | 'F' => Some('P'),
                _ => None,
            },
            Alphabet::Letters => match c {
                '0' => Some('O'),
                '1' => Some('I'),
                '2' => Some('Z'),
                '5' => Some('S'),
                '6' => Some('G'),
                '8' => Some('B'),
                _ => None,
            },
            Alphabet::Sex | Alphabet::Any => None,
        }
    }
}

fn is_mrz_char(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit() || c == '<'
}

/// One position after the alphabet constraint: what the recogniser read best, and the
/// candidates the field admits, best first (the first is the chosen character).
#[derive(Debug, Clone)]
struct Cell {
    read: char,
    candidates: Vec<(char, f64)>,
}

impl Cell {
    fn new(candidates: &[(char, f32)], alphabet: Alphabet) -> Self {
        let mut all: Vec<(char, f64)> = Vec::with_capacity(candidates.len());
        for (c, p) in candidates {
            let c = c.to_ascii_uppercase();
            if is_mrz_char(c) && !all.iter().any(|(seen, _)| *seen == c) {
                all.push((c, f64::from(p.max(0.0))));
            }
        }
        // The recogniser gives its candidates best first; sorting (stably) keeps that
        // order for equal scores and protects against a reader that does not.
        all.sort_by(|a, b| b.1.total_cmp(&a.1));
        let read = all.first().map(|c| c.0).unwrap_or('<');
        let read_score = all.first().map(|c| c.1).unwrap_or(1.0);
        let mut admitted: Vec<(char, f64)> = all
            .iter()
            .copied()
            .filter(|(c, _)| alphabet.admits(*c))
            .collect();
        if !alphabet.admits(read) {
            if let Some(look_alike) = alphabet.confused_with(read) {
                // The best reading does not fit the field, but its look-alike does (`0` in
                // a name is `O`): it competes with the recogniser's other guesses at half the
                // best reading's score, so a weak alternative (`0` 0.9, `D` 0.05) loses to
                // it and a strong one (`8` 0.6, `N` 0.4) does not.
                let boosted = read_score * 0.5;
                match admitted.iter_mut().find(|(c, _)| *c == look_alike) {
                    Some(entry) => entry.1 = entry.1.max(boosted),
                    None => admitted.push((look_alike, boosted)),
                }
                admitted.sort_by(|a, b| b.1.total_cmp(&a.1));
            }
        }
        if admitted.is_empty() {
            // Keep the character as read when nothing fits: the field's check then fails,
            // or the decoded value shows it, rather than inventing one.
            admitted.push((read, read_score));
        }
        Cell {
            read,
            candidates: admitted,
        }
    }

    fn chosen(&self) -> char {
        self.candidates[0].0
    }

    fn score_of(&self, c: char) -> f64 {
        self.candidates
            .iter()
            .find(|(candidate, _)| *candidate == c)
            .map(|(_, p)| *p)
            .unwrap_or(0.0)
    }
}

/// The reading constrained to the layout's alphabets, and the characters as they stand.
struct Grid {
    cells: Vec<Vec<Cell>>,
    text: Vec<Vec<char>>,
}

impl Grid {
    fn char_at(&self, (line, column): (usize, usize)) -> char {
        self.text[line][column]
    }

    fn read(&self, span: Span) -> String {
        span.positions().map(|p| self.char_at(p)).collect()
    }
}

/// How a checked field's characters are verified.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// The value, then its check digit.
    Plain,
    /// A TD1/TD2 long document number: nine characters, the filler where the check digit
    /// would be, the rest of the number, then its check digit.
    LongDocumentNumber,
    /// A YYMMDD date and its check digit; the date must exist.
    Date(DateRole),
    /// TD3's personal number and its check digit, which may be `<` or `0` when the number
    /// is all fillers.
    PersonalNumber,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateRole {
    Birth,
    Expiry,
}

/// A field with a check digit: its positions (check digit last) and its rule.
struct CheckedField {
    name: &'static str,
    positions: Vec<(usize, usize)>,
    rule: Rule,
}

/// Today as (year, month, day), the reference for two-digit years.
type Today = (i32, u32, u32);

impl CheckedField {
    /// Whether the check digit holds, and whether the value is well formed (dates exist).
    fn verdict(&self, chars: &[char], today: Today) -> (bool, bool) {
        let Some((&cd, value)) = chars.split_last() else {
            return (false, false);
        };
        match self.rule {
            Rule::Plain => (holds(value.iter().copied(), cd), true),
            Rule::LongDocumentNumber => {
                // value = 9 characters, the filler, the continuation (without its check
                // digit). The continuation must not itself contain a filler: that would be
                // a different, shorter number.
                let head = &value[..9.min(value.len())];
                let filler = value.get(9).copied();
                let tail = value.get(10..).unwrap_or(&[]);
                let shaped = filler == Some('<') && !tail.contains(&'<') && cd != '<';
                let ok = shaped && holds(head.iter().chain(tail).copied(), cd);
                (ok, true)
            }
            Rule::Date(role) => {
                let cd_ok = holds(value.iter().copied(), cd);
                (cd_ok, decode_date(value, role, today).is_some())
            }
            Rule::PersonalNumber => {
                let empty = value.iter().all(|c| *c == '<');
                let cd_ok = if empty {
                    cd == '<' || cd == '0'
                } else {
                    holds(value.iter().copied(), cd)
                };
                (cd_ok, true)
            }
        }
    }

    fn is_valid(&self, chars: &[char], today: Today) -> bool {
        self.verdict(chars, today) == (true, true)
    }
}

/// A set of character changes and how probable it is relative to the current reading (the
/// product of each new candidate's score over the replaced one's).
#[derive(Debug, Clone)]
struct Choice {
    changes: Vec<((usize, usize), char)>,
    score: f64,
}

impl Choice {
    fn unchanged() -> Self {
        Choice {
            changes: Vec::new(),
            score: 1.0,
        }
    }
}

/// Reads a machine-readable zone. `today` resolves two-digit years: a birth date is the
/// most recent such date not after today, an expiry date lies at most 20 years ahead.
pub fn parse(reading: &MrzReading, today: Date) -> Result<MrzRecord, MrzError> {
    let today: Today = (
        today.year.unwrap_or(2000),
        today.month.unwrap_or(1),
        today.day.unwrap_or(1),
    );
    let layout = choose_layout(reading)?;
    let mut grid = constrain(reading, layout);
    let fields = checked_fields(layout, &grid);
    let choices = repair(layout, &grid, &fields, today)?;
    for ((line, column), c) in choices.iter().flat_map(|c| c.changes.iter()) {
        grid.text[*line][*column] = *c;
    }
    let repairs = repairs_made(&grid, &choices);
    decode(layout, &grid, today, repairs)
}

/// The layout the line count and lengths call for. A zone whose document code starts with
/// `V` is a visa of the same size, which has no composite check digit.
fn choose_layout(reading: &MrzReading) -> Result<&'static Layout, MrzError> {
    let widths: Vec<usize> = reading.lines.iter().map(Vec::len).collect();
    let is_visa = || {
        let first = &reading.lines[0][0];
        Cell::new(&first.candidates, Alphabet::Letters).chosen() == 'V'
    };
    match widths.as_slice() {
        [30, 30, 30] => Ok(&TD1),
        [36, 36] => Ok(if is_visa() { &MRV_B } else { &TD2 }),
        [44, 44] => Ok(if is_visa() { &MRV_A } else { &TD3 }),
        _ => Err(MrzError::UnknownLayout),
    }
}

fn alphabets(layout: &Layout) -> Vec<Vec<Alphabet>> {
    let mut grid = vec![vec![Alphabet::Any; layout.width]; layout.lines];
    let mut set = |span: Span, alphabet: Alphabet| {
        for (line, column) in span.positions() {
            grid[line][column] = alphabet;
        }
    };
    for s in [
        layout.document_code,
        layout.issuing_state,
        layout.name,
        layout.nationality,
    ] {
        set(s, Alphabet::Letters);
    }
    set(
        span(layout.document_code.line, layout.document_code.start, 1),
        Alphabet::DocumentKind,
    );
    set(layout.sex, Alphabet::Sex);
    for s in [
        layout.birth_date,
        layout.birth_date_check,
        layout.expiry_date,
        layout.expiry_date_check,
    ] {
        set(s, Alphabet::Digits);
    }
    if let Some(s) = layout.composite_check {
        set(s, Alphabet::Digits);
    }
    if let Some(s) = layout.personal_number_check {
        set(s, Alphabet::DigitsOrFiller);
    }
    let document_check = if layout.long_document_number {
        Alphabet::DigitsOrFiller
    } else {
        Alphabet::Digits
    };
    set(layout.document_number_check, document_check);
    grid
}

fn constrain(reading: &MrzReading, layout: &Layout) -> Grid {
    let alphabets = alphabets(layout);
    let cells: Vec<Vec<Cell>> = reading
        .lines
        .iter()
        .zip(&alphabets)
        .map(|(line, line_alphabets)| {
            line.iter()
                .zip(line_alphabets)
                .map(|(c, alphabet)| Cell::new(&c.candidates, *alphabet))
                .collect()
        })
        .collect();
    let text = cells
        .iter()
        .map(|line| line.iter().map(Cell::chosen).collect())
        .collect();
    Grid { cells, text }
}

fn checked_fields(layout: &Layout, grid: &Grid) -> Vec<CheckedField> {
    let with_check = |value: Span, check: Span| -> Vec<(usize, usize)> {
        value.positions().chain(check.positions()).collect()
    };
    let mut fields = Vec::new();
    let check = layout.document_number_check;
    let long = layout.long_document_number && grid.char_at((check.line, check.start)) == '<';
    if long {
        // The continuation runs from the start of the optional data to the first filler;
        // its last character is the check digit of the whole number.
        let continuation: Vec<(usize, usize)> = layout
            .optional_data
            .positions()
            .take_while(|p| grid.char_at(*p) != '<')
            .collect();
        fields.push(CheckedField {
            name: DOCUMENT_NUMBER,
            positions: layout
                .document_number
                .positions()
                .chain(check.positions())
                .chain(continuation)
                .collect(),
            rule: Rule::LongDocumentNumber,
        });
    } else {
        fields.push(CheckedField {
            name: DOCUMENT_NUMBER,
            positions: with_check(layout.document_number, check),
            rule: Rule::Plain,
        });
    }
    fields.push(CheckedField {
        name: BIRTH_DATE,
        positions: with_check(layout.birth_date, layout.birth_date_check),
        rule: Rule::Date(DateRole::Birth),
    });
    fields.push(CheckedField {
        name: EXPIRY_DATE,
        positions: with_check(layout.expiry_date, layout.expiry_date_check),
        rule: Rule::Date(DateRole::Expiry),
    });
    if let Some(check) = layout.personal_number_check {
        fields.push(CheckedField {
            name: PERSONAL_NUMBER,
            positions: with_check(layout.optional_data, check),
            rule: Rule::PersonalNumber,
        });
    }
    fields
}

/// The choice of changes for each checked field (and, last, for the composite check digit)
/// that makes every check digit hold, or why there is none that is clearly best.
fn repair(
    layout: &Layout,
    grid: &Grid,
    fields: &[CheckedField],
    today: Today,
) -> Result<Vec<Choice>, MrzError> {
    let mut options: Vec<Vec<Choice>> = Vec::with_capacity(fields.len() + 1);
    let mut first_failure: Option<&'static str> = None;
    for field in fields {
        let chars: Vec<char> = field.positions.iter().map(|p| grid.char_at(*p)).collect();
        let (cd_ok, value_ok) = field.verdict(&chars, today);
        if cd_ok && value_ok {
            options.push(vec![Choice::unchanged()]);
            continue;
        }
        first_failure.get_or_insert(field.name);
        let repairs = field_repairs(field, grid, &chars, today);
        if repairs.is_empty() {
            return Err(match field.rule {
                // The check digit vouches for a date that does not exist: say so.
                Rule::Date(_) if cd_ok => MrzError::InvalidDate { field: field.name },
                _ => MrzError::CheckDigit { field: field.name },
            });
        }
        options.push(repairs);
    }
    // The composite check digit itself may be misread: its alternatives are one more
    // dimension, tried together with the fields' repairs.
    let composite_options = match layout.composite_check {
        Some(check) => {
            let position = (check.line, check.start);
            let cell = &grid.cells[position.0][position.1];
            let current = grid.char_at(position);
            let mut choices = vec![Choice::unchanged()];
            choices.extend(alternatives(cell, current).map(|(c, ratio)| Choice {
                changes: vec![(position, c)],
                score: ratio,
            }));
            choices
        }
        None => vec![Choice::unchanged()],
    };
    options.push(composite_options);

    let mut valid: Vec<(f64, Vec<usize>)> = Vec::new();
    let mut index = vec![0usize; options.len()];
    loop {
        let combination: Vec<&Choice> = index.iter().zip(&options).map(|(i, o)| &o[*i]).collect();
        if composite_holds(layout, grid, &combination) {
            let score = combination.iter().map(|c| c.score).product();
            valid.push((score, index.clone()));
        }
        // Advance the odometer over every combination of options.
        let mut digit = 0;
        loop {
            if digit == index.len() {
                return choose(valid, options, fields, first_failure);
            }
            index[digit] += 1;
            if index[digit] < options[digit].len() {
                break;
            }
            index[digit] = 0;
            digit += 1;
        }
    }
}

/// The best combination, unless another is nearly as probable.
fn choose(
    mut valid: Vec<(f64, Vec<usize>)>,
    options: Vec<Vec<Choice>>,
    fields: &[CheckedField],
    first_failure: Option<&'static str>,
) -> Result<Vec<Choice>, MrzError> {
    valid.sort_by(|a, b| b.0.total_cmp(&a.0));
    let Some((best_score, best)) = valid.first() else {
        return Err(MrzError::CheckDigit {
            field: first_failure.unwrap_or(COMPOSITE),
        });
    };
    if let Some((second_score, second)) = valid.get(1) {
        if second_score * AMBIGUITY_FACTOR >= *best_score {
            let differing = best
                .iter()
                .zip(second)
                .position(|(a, b)| a != b)
                .unwrap_or(fields.len());
            let field = fields.get(differing).map(|f| f.name).unwrap_or(COMPOSITE);
            return Err(MrzError::AmbiguousRepair { field });
        }
    }
    Ok(best
        .iter()
        .zip(options)
        .map(|(i, mut o)| o.swap_remove(*i))
        .collect())
}

fn composite_holds(layout: &Layout, grid: &Grid, combination: &[&Choice]) -> bool {
    let Some(check) = layout.composite_check else {
        return true;
    };
    let at = |position: (usize, usize)| -> char {
        combination
            .iter()
            .flat_map(|c| c.changes.iter())
            .find(|(p, _)| *p == position)
            .map(|(_, c)| *c)
            .unwrap_or_else(|| grid.char_at(position))
    };
    let value = layout
        .composite_parts
        .iter()
        .flat_map(|s| s.positions())
        .map(at);
    holds(value, at((check.line, check.start)))
}

/// A cell's candidates other than `current`, best first, each with its score relative to
/// `current`'s.
fn alternatives(cell: &Cell, current: char) -> impl Iterator<Item = (char, f64)> + '_ {
    let base = cell.score_of(current).max(1e-9);
    cell.candidates
        .iter()
        .filter(move |(c, _)| *c != current)
        .take(ALTERNATIVES_PER_CHARACTER)
        .map(move |(c, p)| (*c, p / base))
}

/// Every change of one or two characters, from the recogniser's candidates, that makes the
/// field valid, most probable first.
fn field_repairs(field: &CheckedField, grid: &Grid, chars: &[char], today: Today) -> Vec<Choice> {
    let singles: Vec<(usize, char, f64)> = field
        .positions
        .iter()
        .enumerate()
        .flat_map(|(i, (line, column))| {
            alternatives(&grid.cells[*line][*column], chars[i]).map(move |(c, r)| (i, c, r))
        })
        .collect();
    let mut found = Vec::new();
    let mut trial = chars.to_vec();
    let mut consider = |changes: &[(usize, char, f64)], trial: &mut Vec<char>| {
        for (i, c, _) in changes {
            trial[*i] = *c;
        }
        if field.is_valid(trial, today) {
            found.push(Choice {
                changes: changes
                    .iter()
                    .map(|(i, c, _)| (field.positions[*i], *c))
                    .collect(),
                score: changes.iter().map(|(_, _, r)| r).product(),
            });
        }
        for (i, _, _) in changes {
            trial[*i] = chars[*i];
        }
    };
    for (a, single) in singles.iter().enumerate() {
        consider(std::slice::from_ref(single), &mut trial);
        for pair in &singles[a + 1..] {
            if pair.0 != single.0 {
                consider(&[*single, *pair], &mut trial);
            }
        }
    }
    found.sort_by(|a, b| b.score.total_cmp(&a.score));
    found.truncate(OPTIONS_PER_FIELD);
    found
}

/// Every position whose final character differs from the recogniser's best reading.
fn repairs_made(grid: &Grid, choices: &[Choice]) -> Vec<Repair> {
    let by_check_digit: Vec<(usize, usize)> = choices
        .iter()
        .flat_map(|c| c.changes.iter().map(|(p, _)| *p))
        .collect();
    let mut repairs = Vec::new();
    for (line, cells) in grid.cells.iter().enumerate() {
        for (column, cell) in cells.iter().enumerate() {
            let to = grid.text[line][column];
            if to != cell.read {
                let reason = if by_check_digit.contains(&(line, column)) {
                    RepairReason::CheckDigit
                } else {
                    RepairReason::Alphabet
                };
                repairs.push(Repair {
                    line,
                    column,
                    from: cell.read,
                    to,
                    reason,
                });
            }
        }
    }
    repairs
}

fn decode(
    layout: &Layout,
    grid: &Grid,
    today: Today,
    repairs: Vec<Repair>,
) -> Result<MrzRecord, MrzError> {
    let issuing_state = grid.read(layout.issuing_state);
    if !countries::is_valid_mrz_country(&issuing_state) {
        return Err(MrzError::InvalidCountry {
            field: ISSUING_STATE,
        });
    }
    let nationality = grid.read(layout.nationality);
    if !countries::is_valid_mrz_country(&nationality) {
        return Err(MrzError::InvalidCountry { field: NATIONALITY });
    }
    let date = |s: Span, role: DateRole, field: &'static str| {
        let chars: Vec<char> = grid.read(s).chars().collect();
        decode_date(&chars, role, today).ok_or(MrzError::InvalidDate { field })
    };
    let birth_date = date(layout.birth_date, DateRole::Birth, BIRTH_DATE)?;
    let expiry_date = date(layout.expiry_date, DateRole::Expiry, EXPIRY_DATE)?;

    let mut document_number = grid.read(layout.document_number);
    let mut optional_data = grid.read(layout.optional_data);
    let check = layout.document_number_check;
    if layout.long_document_number && grid.char_at((check.line, check.start)) == '<' {
        // The number's continuation, then its check digit, then a filler, then whatever
        // optional data the issuer adds.
        let continuation_len = optional_data.find('<').unwrap_or(optional_data.len());
        let continuation = &optional_data[..continuation_len];
        let without_check = &continuation[..continuation.len().saturating_sub(1)];
        document_number.push_str(without_check);
        optional_data = optional_data[continuation_len..].to_owned();
    }
    let name_field = grid.read(layout.name);
    let name_truncated = !name_field.ends_with('<');
    let (surname, given_names) = split_name(&name_field);
    let sex = match grid.read(layout.sex).as_str() {
        "M" => Some(Sex::Male),
        "F" => Some(Sex::Female),
        "X" | "<" => Some(Sex::Unknown),
        _ => None,
    };
    Ok(MrzRecord {
        format: layout.format,
        document_code: grid.read(layout.document_code).replace('<', ""),
        issuing_state,
        surname,
        given_names,
        document_number: document_number.replace('<', ""),
        nationality,
        birth_date,
        sex,
        expiry_date,
        optional_data: optional_data.trim_matches('<').to_owned(),
        optional_data_2: layout
            .optional_data_2
            .map(|s| grid.read(s).trim_matches('<').to_owned())
            .unwrap_or_default(),
        name_truncated,
        repairs,
    })
}

/// `SURNAME<<GIVEN<NAMES<<<` -> (`SURNAME`, `GIVEN NAMES`); fillers inside a part are
/// spaces (`VAN<DER<BERG` -> `VAN DER BERG`).
fn split_name(field: &str) -> (String, String) {
    let (surname, given) = match field.find("<<") {
        Some(i) => (&field[..i], &field[i + 2..]),
        None => (field, ""),
    };
    let words = |part: &str| {
        part.split('<')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    (words(surname), words(given))
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// A YYMMDD date with its century: a birth date is the latest one not after today; an
/// expiry date the one in the 100 years that end 20 years from now.
fn decode_date(chars: &[char], role: DateRole, today: Today) -> Option<Date> {
    if chars.len() != 6 || !chars.iter().all(char::is_ascii_digit) {
        return None;
    }
    let number =
        |i: usize| chars[i].to_digit(10).unwrap_or(0) * 10 + chars[i + 1].to_digit(10).unwrap_or(0);
    let (yy, month, day) = (number(0) as i32, number(2), number(4));
    let century = today.0 - today.0.rem_euclid(100);
    let year = match role {
        DateRole::Birth => {
            let same_century = century + yy;
            if (same_century, month, day) > today {
                same_century - 100
            } else {
                same_century
            }
        }
        DateRole::Expiry => [century - 100, century, century + 100]
            .into_iter()
            .map(|c| c + yy)
            .find(|y| (today.0 - 79..=today.0 + 20).contains(y))?,
    };
    let valid = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
    valid.then(|| Date::new(year, month, day))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observation::MrzChar;

    const TD3_SPECIMEN: [&str; 2] = [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ];
    const TD1_SPECIMEN: [&str; 3] = [
        "I<UTOD231458907<<<<<<<<<<<<<<<",
        "7408122F1204159UTO<<<<<<<<<<<6",
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    ];
    const TD2_SPECIMEN: [&str; 2] = [
        "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
        "D231458907UTO7408122F1204159<<<<<<<6",
    ];

    fn today() -> Date {
        Date::new(2026, 3, 1)
    }

    fn parse_lines(lines: &[&str]) -> Result<MrzRecord, MrzError> {
        parse(&MrzReading::from_lines(lines), today())
    }

    /// A reading of `lines` where the character at (line, column) has these candidates.
    /// (line, column, the candidates the recogniser offers there).
    type Candidates<'a> = (usize, usize, &'a [(char, f32)]);

    fn with_candidates(lines: &[&str], changes: &[Candidates]) -> MrzReading {
        let mut reading = MrzReading::from_lines(lines);
        for (line, column, candidates) in changes {
            reading.lines[*line][*column] = MrzChar {
                candidates: candidates.to_vec(),
            };
        }
        reading
    }

    fn replace_char(line: &str, column: usize, c: char) -> String {
        line.chars()
            .enumerate()
            .map(|(i, old)| if i == column { c } else { old })
            .collect()
    }

    #[test]
    fn check_digits_follow_the_7_3_1_weights() {
        assert_eq!(check_digit("L898902C3"), 6);
        assert_eq!(check_digit("740812"), 2);
        assert_eq!(check_digit("120415"), 9);
        assert_eq!(check_digit("ZE184226B<<<<<"), 1);
        assert_eq!(check_digit("D23145890"), 7);
        assert_eq!(check_digit("<<<<<"), 0);
        assert_eq!(check_digit(""), 0);
    }

    #[test]
    fn the_specimens_own_check_digits_hold() {
        // Verify the specimen lines before relying on them in the other tests.
        let l = TD3_SPECIMEN[1];
        let composite = format!("{}{}{}", &l[0..10], &l[13..20], &l[21..43]);
        assert_eq!(check_digit(&composite).to_string(), &l[43..44]);
        assert_eq!(check_digit(&l[28..42]).to_string(), &l[42..43]);
        let (a, b) = (TD1_SPECIMEN[0], TD1_SPECIMEN[1]);
        let composite = format!("{}{}{}{}", &a[5..30], &b[0..7], &b[8..15], &b[18..29]);
        assert_eq!(check_digit(&composite).to_string(), &b[29..30]);
        let d = TD2_SPECIMEN[1];
        let composite = format!("{}{}{}", &d[0..10], &d[13..20], &d[21..35]);
        assert_eq!(check_digit(&composite).to_string(), &d[35..36]);
    }

    #[test]
    fn the_td3_specimen_passport_reads_completely() {
        let record = parse_lines(&TD3_SPECIMEN).unwrap();
        assert_eq!(record.format, MrzFormat::Td3);
        assert_eq!(record.document_code, "P");
        assert_eq!(record.issuing_state, "UTO");
        assert_eq!(record.surname, "ERIKSSON");
        assert_eq!(record.given_names, "ANNA MARIA");
        assert_eq!(record.document_number, "L898902C3");
        assert_eq!(record.nationality, "UTO");
        assert_eq!(record.birth_date, Date::new(1974, 8, 12));
        assert_eq!(record.sex, Some(Sex::Female));
        assert_eq!(record.expiry_date, Date::new(2012, 4, 15));
        assert_eq!(record.optional_data, "ZE184226B");
        assert_eq!(record.optional_data_2, "");
        assert!(record.repairs.is_empty());
    }

    #[test]
    fn the_td1_specimen_id_card_reads_completely() {
        let record = parse_lines(&TD1_SPECIMEN).unwrap();
        assert_eq!(record.format, MrzFormat::Td1);
        assert_eq!(record.document_code, "I");
        assert_eq!(record.document_number, "D23145890");
        assert_eq!(record.surname, "ERIKSSON");
        assert_eq!(record.given_names, "ANNA MARIA");
        assert_eq!(record.birth_date, Date::new(1974, 8, 12));
        assert_eq!(record.expiry_date, Date::new(2012, 4, 15));
        assert_eq!(record.sex, Some(Sex::Female));
        assert_eq!(record.nationality, "UTO");
        assert_eq!(record.optional_data, "");
        assert_eq!(record.optional_data_2, "");
    }

    #[test]
    fn the_td2_specimen_reads_completely() {
        let record = parse_lines(&TD2_SPECIMEN).unwrap();
        assert_eq!(record.format, MrzFormat::Td2);
        assert_eq!(record.document_code, "I");
        assert_eq!(record.document_number, "D23145890");
        assert_eq!(record.given_names, "ANNA MARIA");
        assert_eq!(record.birth_date, Date::new(1974, 8, 12));
        assert_eq!(record.expiry_date, Date::new(2012, 4, 15));
    }

    #[test]
    fn a_td1_long_document_number_continues_in_the_optional_data() {
        let number = "D23145890734";
        let cd = check_digit(number);
        let line1 = format!("I<UTO{}<{}{}<AB12<<<<<<", &number[..9], &number[9..], cd);
        let line2_head = "7408122F1204159UTO<<<<<<<<<<<";
        let composite = format!(
            "{}{}{}{}",
            &line1[5..30],
            &line2_head[0..7],
            &line2_head[8..15],
            &line2_head[18..29]
        );
        let line2 = format!("{line2_head}{}", check_digit(&composite));
        let lines = [line1.as_str(), line2.as_str(), TD1_SPECIMEN[2]];
        let record = parse_lines(&lines).unwrap();
        assert_eq!(record.document_number, number);
        assert_eq!(record.optional_data, "AB12");
    }

    #[test]
    fn a_td2_long_document_number_continues_in_the_optional_data() {
        let number = "D2314589073";
        let cd = check_digit(number);
        let head = format!(
            "{}<UTO7408122F1204159{}{}<<<<",
            &number[..9],
            &number[9..],
            cd
        );
        let composite = format!("{}{}{}", &head[0..10], &head[13..20], &head[21..35]);
        let line2 = format!("{head}{}", check_digit(&composite));
        let record = parse_lines(&[TD2_SPECIMEN[0], line2.as_str()]).unwrap();
        assert_eq!(record.document_number, number);
        assert_eq!(record.optional_data, "");
    }

    #[test]
    fn an_empty_personal_number_may_have_a_filler_or_zero_check_digit() {
        let with = |cd: char| {
            let head = format!("L898902C36UTO7408122F1204159<<<<<<<<<<<<<<{cd}");
            let composite = format!("{}{}{}", &head[0..10], &head[13..20], &head[21..43]);
            format!("{head}{}", check_digit(&composite))
        };
        for cd in ['<', '0'] {
            let line2 = with(cd);
            let record = parse_lines(&[TD3_SPECIMEN[0], line2.as_str()]).unwrap();
            assert_eq!(record.optional_data, "");
        }
    }

    #[test]
    fn a_misread_confirmed_by_its_check_digits_is_repaired() {
        // `L8989O2C3`: the recogniser preferred `O` at column 5, with `0` second.
        let reading = with_candidates(&TD3_SPECIMEN, &[(1, 5, &[('O', 0.6), ('0', 0.4)])]);
        let record = parse(&reading, today()).unwrap();
        assert_eq!(record.document_number, "L898902C3");
        assert_eq!(
            record.repairs,
            vec![Repair {
                line: 1,
                column: 5,
                from: 'O',
                to: '0',
                reason: RepairReason::CheckDigit,
            }]
        );
    }

    #[test]
    fn a_misread_check_digit_is_repaired_from_its_candidates() {
        let reading = with_candidates(&TD3_SPECIMEN, &[(1, 19, &[('8', 0.7), ('2', 0.3)])]);
        let record = parse(&reading, today()).unwrap();
        assert_eq!(record.birth_date, Date::new(1974, 8, 12));
        assert_eq!(record.repairs.len(), 1);
        assert_eq!(record.repairs[0].to, '2');
    }

    #[test]
    fn a_misread_composite_check_digit_is_repaired_from_its_candidates() {
        let reading = with_candidates(&TD3_SPECIMEN, &[(1, 43, &[('8', 0.6), ('0', 0.4)])]);
        let record = parse(&reading, today()).unwrap();
        assert_eq!(record.repairs[0].to, '0');
    }

    #[test]
    fn a_misread_that_two_different_repairs_could_fix_is_refused() {
        // Column 5 read `O` (true `0`); column 0 offers `J` instead of `L`. `J8989O2C3`
        // satisfies the check digit as well as `L898902C3` does, and the composite covers
        // the document number with the same weights, so it cannot tell them apart.
        assert_eq!(check_digit("J8989O2C3"), check_digit("L898902C3"));
        let reading = with_candidates(
            &TD3_SPECIMEN,
            &[
                (1, 0, &[('L', 0.55), ('J', 0.45)]),
                (1, 5, &[('O', 0.55), ('0', 0.45)]),
            ],
        );
        assert_eq!(
            parse(&reading, today()),
            Err(MrzError::AmbiguousRepair {
                field: DOCUMENT_NUMBER
            })
        );
    }

    #[test]
    fn a_much_less_likely_second_repair_does_not_block_the_clear_one() {
        let reading = with_candidates(
            &TD3_SPECIMEN,
            &[
                (1, 0, &[('L', 0.95), ('J', 0.05)]),
                (1, 5, &[('O', 0.55), ('0', 0.45)]),
            ],
        );
        let record = parse(&reading, today()).unwrap();
        assert_eq!(record.document_number, "L898902C3");
    }

    #[test]
    fn a_wrong_check_digit_without_helpful_candidates_is_an_error() {
        let line2 = replace_char(TD3_SPECIMEN[1], 9, '5');
        assert_eq!(
            parse_lines(&[TD3_SPECIMEN[0], line2.as_str()]),
            Err(MrzError::CheckDigit {
                field: DOCUMENT_NUMBER
            })
        );
        let line2 = replace_char(TD3_SPECIMEN[1], 43, '3');
        assert_eq!(
            parse_lines(&[TD3_SPECIMEN[0], line2.as_str()]),
            Err(MrzError::CheckDigit { field: COMPOSITE })
        );
    }

    #[test]
    fn a_repair_the_composite_contradicts_is_refused() {
        // Optional data changed after the composite was computed: the personal number's
        // own check digit is repaired to match, but the composite still fails.
        let line2 = replace_char(TD3_SPECIMEN[1], 30, '5');
        let reading = with_candidates(
            &[TD3_SPECIMEN[0], line2.as_str()],
            &[(1, 42, &[('1', 0.6), ('5', 0.3), ('0', 0.1)])],
        );
        assert!(matches!(
            parse(&reading, today()),
            Err(MrzError::CheckDigit { .. })
        ));
    }

    #[test]
    fn a_letter_o_in_a_date_is_read_as_the_digit_candidate() {
        let reading = with_candidates(&TD3_SPECIMEN, &[(1, 15, &[('O', 0.7), ('0', 0.3)])]);
        let line2 = replace_char(TD3_SPECIMEN[1], 15, 'O');
        assert_eq!(reading.best_lines()[1], line2);
        let record = parse(&reading, today()).unwrap();
        assert_eq!(record.birth_date, Date::new(1974, 8, 12));
        assert_eq!(
            record.repairs,
            vec![Repair {
                line: 1,
                column: 15,
                from: 'O',
                to: '0',
                reason: RepairReason::Alphabet,
            }]
        );
    }

    #[test]
    fn a_certain_letter_o_in_a_date_is_taken_as_the_zero_it_resembles() {
        let line2 = replace_char(TD3_SPECIMEN[1], 15, 'O');
        let record = parse_lines(&[TD3_SPECIMEN[0], line2.as_str()]).unwrap();
        assert_eq!(record.birth_date, Date::new(1974, 8, 12));
        assert_eq!(record.repairs[0].reason, RepairReason::Alphabet);
    }

    #[test]
    fn a_zero_in_a_name_with_only_a_weak_alternative_is_the_letter_o() {
        // The O of ERIKSSON read as a zero.
        let reading = with_candidates(&TD3_SPECIMEN, &[(0, 11, &[('0', 0.9), ('D', 0.05)])]);
        let record = parse(&reading, today()).unwrap();
        assert_eq!(record.surname, "ERIKSSON");
    }

    #[test]
    fn a_misread_document_code_is_one_icao_allows() {
        let reading = with_candidates(&TD3_SPECIMEN, &[(0, 0, &[('R', 0.9), ('B', 0.1)])]);
        assert_eq!(parse(&reading, today()).unwrap().document_code, "P");
    }

    #[test]
    fn a_name_that_fills_its_field_is_flagged_as_possibly_truncated() {
        let record = parse_lines(&TD3_SPECIMEN).unwrap();
        assert!(!record.name_truncated);
        let full = "P<UTOERIKSSON<<ANNA<MARIA<BENJAMINA<CHRISTOF";
        assert_eq!(full.len(), 44);
        let record = parse_lines(&[full, TD3_SPECIMEN[1]]).unwrap();
        assert!(record.name_truncated);
        assert_eq!(record.given_names, "ANNA MARIA BENJAMINA CHRISTOF");
    }

    #[test]
    fn a_digit_in_a_name_is_read_as_the_letter_candidate() {
        let reading = with_candidates(&TD3_SPECIMEN, &[(0, 16, &[('8', 0.6), ('N', 0.4)])]);
        let record = parse(&reading, today()).unwrap();
        assert_eq!(record.given_names, "ANNA MARIA");
    }

    #[test]
    fn an_unknown_issuing_state_or_nationality_is_an_error() {
        let line1 = TD3_SPECIMEN[0].replacen("UTO", "XYZ", 1);
        assert_eq!(
            parse_lines(&[line1.as_str(), TD3_SPECIMEN[1]]),
            Err(MrzError::InvalidCountry {
                field: ISSUING_STATE
            })
        );
        let line2 = TD3_SPECIMEN[1].replacen("UTO", "QQQ", 1);
        assert_eq!(
            parse_lines(&[TD3_SPECIMEN[0], line2.as_str()]),
            Err(MrzError::InvalidCountry { field: NATIONALITY })
        );
    }

    #[test]
    fn germanys_one_letter_code_is_accepted_as_read() {
        let line1 = TD3_SPECIMEN[0].replacen("UTO", "D<<", 1);
        let line2 = TD3_SPECIMEN[1].replacen("UTO", "D<<", 1);
        let record = parse_lines(&[line1.as_str(), line2.as_str()]).unwrap();
        assert_eq!(record.issuing_state, "D<<");
        assert_eq!(record.nationality, "D<<");
    }

    #[test]
    fn an_impossible_date_with_a_matching_check_digit_is_an_invalid_date() {
        // 741312: month 13. Give it its own check digit and a matching composite.
        let head = format!(
            "L898902C36UTO741312{}F1204159ZE184226B<<<<<1",
            check_digit("741312")
        );
        let composite = format!("{}{}{}", &head[0..10], &head[13..20], &head[21..43]);
        let line2 = format!("{head}{}", check_digit(&composite));
        assert_eq!(
            parse_lines(&[TD3_SPECIMEN[0], line2.as_str()]),
            Err(MrzError::InvalidDate { field: BIRTH_DATE })
        );
    }

    #[test]
    fn two_digit_years_resolve_relative_to_today() {
        let t = (2026, 3, 1);
        let d = |s: &str, role| decode_date(&s.chars().collect::<Vec<_>>(), role, t);
        assert_eq!(d("260301", DateRole::Birth), Some(Date::new(2026, 3, 1)));
        assert_eq!(d("260302", DateRole::Birth), Some(Date::new(1926, 3, 2)));
        assert_eq!(d("000229", DateRole::Birth), Some(Date::new(2000, 2, 29)));
        assert_eq!(d("460101", DateRole::Expiry), Some(Date::new(2046, 1, 1)));
        assert_eq!(d("470101", DateRole::Expiry), Some(Date::new(1947, 1, 1)));
        assert_eq!(d("120415", DateRole::Expiry), Some(Date::new(2012, 4, 15)));
        // 1900 was not a leap year, so a birth date of 29 February 00 can only be 2000.
        let t1999 = (1999, 6, 1);
        assert_eq!(
            decode_date(
                &"000229".chars().collect::<Vec<_>>(),
                DateRole::Birth,
                t1999
            ),
            None
        );
        assert_eq!(d("010229", DateRole::Birth), None);
        assert_eq!(d("741232", DateRole::Birth), None);
        assert_eq!(d("7408I2", DateRole::Birth), None);
    }

    #[test]
    fn a_visa_of_passport_size_reads_without_a_composite_check_digit() {
        let head = format!(
            "L8988901C{}XXX400907{}F961210{}",
            check_digit("L8988901C"),
            check_digit("400907"),
            check_digit("961210")
        );
        let line2 = format!("{head}6ZE184226B<<<<<<");
        let line1 = "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
        let record = parse_lines(&[line1, line2.as_str()]).unwrap();
        assert_eq!(record.format, MrzFormat::Td3);
        assert_eq!(record.document_code, "V");
        assert_eq!(record.nationality, "XXX");
        assert_eq!(record.optional_data, "6ZE184226B");
    }

    #[test]
    fn lines_of_the_wrong_count_or_length_are_an_unknown_layout() {
        let too_short = &TD3_SPECIMEN[1][..43];
        for lines in [
            vec![],
            vec![TD3_SPECIMEN[0]],
            vec![TD3_SPECIMEN[0], too_short],
            vec![TD1_SPECIMEN[0], TD1_SPECIMEN[1]],
            vec![TD3_SPECIMEN[0], TD3_SPECIMEN[1], TD3_SPECIMEN[1]],
            vec!["", ""],
        ] {
            assert_eq!(
                parse_lines(&lines),
                Err(MrzError::UnknownLayout),
                "{lines:?}"
            );
        }
    }

    /// A small deterministic generator for the garbage tests (no dependency needed).
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn garbage_readings_are_errors_never_panics() {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<<<<<<<<<<<abc #";
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        for round in 0..400 {
            let (lines, width) = match round % 4 {
                0 => (3, 30),
                1 => (2, 36),
                2 => (2, 44),
                _ => (rng.below(4), rng.below(50)),
            };
            let reading = MrzReading {
                lines: (0..lines)
                    .map(|_| {
                        (0..width)
                            .map(|_| MrzChar {
                                candidates: (0..rng.below(4))
                                    .map(|_| {
                                        let c = ALPHABET[rng.below(ALPHABET.len())] as char;
                                        (c, rng.below(1000) as f32 / 1000.0)
                                    })
                                    .collect(),
                            })
                            .collect()
                    })
                    .collect(),
            };
            // Any outcome but a panic; a random reading passing every check is implausible.
            assert!(parse(&reading, today()).is_err());
        }
    }

    #[test]
    fn mutating_single_characters_of_a_valid_zone_never_panics() {
        let mut rng = XorShift(42);
        for _ in 0..300 {
            let mut reading = MrzReading::from_lines(&TD1_SPECIMEN);
            let line = rng.below(3);
            let column = rng.below(30);
            let c = b"ABCXYZ0189<"[rng.below(11)] as char;
            reading.lines[line][column] = MrzChar {
                candidates: vec![(c, 0.5), ('<', 0.3), ('7', 0.2)],
            };
            let _ = parse(&reading, today());
        }
    }
}
