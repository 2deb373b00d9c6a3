//! The Standard Safeguarding Dataset's tables as CSV: `ssd_person` (one row per child),
//! `ssd_linked_identifiers`, `ssd_immigration_status` and `ssd_assessment_factors` (with the
//! person id joined from `ssd_cin_assessments`), each recognised by its header, joined by
//! person id into [`Candidate`]s.
//!
//! A cell that is empty or `NULL` (as SQL Server's exports write it) is silent.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use stable_futures_domain::child::ssd::{self, KeptIdentifier, LinkedIdentifierType, ScopeFactor};
use stable_futures_domain::child::ImmigrationStatus;
use stable_futures_domain::ErrorCode;

use super::candidate::Candidate;
use super::error::ImportError;
use super::report::{Code, Location, Problem};

/// The tables read, each known by a column only it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Person,
    LinkedIdentifiers,
    ImmigrationStatus,
    AssessmentFactors,
}

impl Table {
    /// The table a header belongs to.
    fn of(columns: &HashMap<String, usize>) -> Option<Self> {
        [
            ("pers_person_id", Table::Person),
            ("link_person_id", Table::LinkedIdentifiers),
            ("immi_person_id", Table::ImmigrationStatus),
            ("cinf_assessment_factors_json", Table::AssessmentFactors),
        ]
        .into_iter()
        .find(|(column, _)| columns.contains_key(*column))
        .map(|(_, table)| table)
    }

    /// The columns a file of this table must have.
    fn required(self) -> &'static [&'static str] {
        match self {
            Table::Person => &["pers_person_id"],
            Table::LinkedIdentifiers => &[
                "link_person_id",
                "link_identifier_type",
                "link_identifier_value",
            ],
            Table::ImmigrationStatus => &["immi_person_id", "immi_immigration_status"],
            Table::AssessmentFactors => &["cinf_assessment_factors_json"],
        }
    }
}

/// One row of a CSV table.
#[derive(Debug, Clone)]
pub struct Row {
    pub at: Location,
    cells: csv::StringRecord,
}

/// A CSV file read whole: its columns by lower-case name and its well-formed rows.
#[derive(Debug)]
pub struct CsvTable {
    pub table: Table,
    columns: HashMap<String, usize>,
    pub rows: Vec<Row>,
}

impl CsvTable {
    /// The cell of `column`, trimmed; `None` when empty, `NULL` or the table has no such column.
    pub fn cell<'r>(&self, row: &'r Row, column: &str) -> Option<&'r str> {
        let index = *self.columns.get(column)?;
        let text = row.cells.get(index)?.trim();
        (!text.is_empty() && text != "NULL").then_some(text)
    }
}

/// Reads a CSV file; rows that are not rows (a wrong number of cells, not UTF-8) are refused
/// into `problems` and left out.
pub fn read(path: &Path, problems: &mut Vec<Problem>) -> Result<CsvTable, ImportError> {
    let file: Arc<str> = Arc::from(path.display().to_string());
    let unreadable = |source: csv::Error| ImportError::Unreadable {
        file: file.to_string(),
        reason: source.to_string(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(unreadable)?;
    let columns: HashMap<String, usize> = reader
        .headers()
        .map_err(unreadable)?
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let name = name
                .trim_start_matches('\u{feff}')
                .trim()
                .to_ascii_lowercase();
            (name, index)
        })
        .collect();
    let table = Table::of(&columns).ok_or_else(|| ImportError::UnknownTable {
        file: file.to_string(),
    })?;
    if let Some(missing) = table
        .required()
        .iter()
        .find(|column| !columns.contains_key(**column))
    {
        return Err(ImportError::MissingColumn {
            file: file.to_string(),
            column: (*missing).to_owned(),
        });
    }
    if table == Table::AssessmentFactors && person_column(&columns).is_none() {
        return Err(ImportError::MissingColumn {
            file: file.to_string(),
            column: "cinf_person_id".to_owned(),
        });
    }
    let width = reader.headers().map_err(unreadable)?.len();
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let at = Location {
                    file: file.clone(),
                    line: record.position().map_or(line, csv::Position::line),
                };
                if record.len() == width {
                    rows.push(Row {
                        at,
                        cells: record.clone(),
                    });
                } else {
                    problems.push(Problem::new(
                        &at,
                        "-",
                        Code::MalformedRow,
                        format!("the row has {} cells, the header {width}", record.len()),
                    ));
                }
            }
            Err(error) => {
                let line = error.position().map_or(line, csv::Position::line);
                let at = Location {
                    file: file.clone(),
                    line,
                };
                if matches!(error.kind(), csv::ErrorKind::Io(_)) {
                    return Err(unreadable(error));
                }
                problems.push(Problem::new(
                    &at,
                    "-",
                    Code::MalformedRow,
                    "the row is not UTF-8 text",
                ));
            }
        }
    }
    Ok(CsvTable {
        table,
        columns,
        rows,
    })
}

/// The person id column of an assessment-factors file: SSD's own table links to an assessment,
/// so the extract joins `ssd_cin_assessments.cina_person_id` in (either name is accepted).
fn person_column(columns: &HashMap<String, usize>) -> Option<&'static str> {
    ["cinf_person_id", "cina_person_id"]
        .into_iter()
        .find(|column| columns.contains_key(*column))
}

/// The tables of one extract, joined into candidates.
#[derive(Debug, Default)]
pub struct Extract {
    pub persons: Vec<CsvTable>,
    pub others: Vec<CsvTable>,
}

impl Extract {
    pub fn add(&mut self, table: CsvTable) {
        match table.table {
            Table::Person => self.persons.push(table),
            _ => self.others.push(table),
        }
    }

    /// One candidate per `ssd_person` row, with what the other tables say of them; rows of the
    /// other tables naming a person no `ssd_person` row holds are refused into `orphans`.
    pub fn candidates(&self, today: NaiveDate, orphans: &mut Vec<Problem>) -> Vec<Candidate> {
        let mut candidates = Vec::new();
        let mut by_person: HashMap<String, Vec<usize>> = HashMap::new();
        for table in &self.persons {
            for row in &table.rows {
                let id = table.cell(row, "pers_person_id").unwrap_or_default();
                by_person
                    .entry(id.to_owned())
                    .or_default()
                    .push(candidates.len());
                candidates.push(person(table, row));
            }
        }
        let mut statuses: HashMap<usize, Vec<Status>> = HashMap::new();
        for table in &self.others {
            let id_column = match table.table {
                Table::LinkedIdentifiers => "link_person_id",
                Table::ImmigrationStatus => "immi_person_id",
                Table::AssessmentFactors => {
                    person_column(&table.columns).unwrap_or("cinf_person_id")
                }
                Table::Person => continue,
            };
            for row in &table.rows {
                let id = table.cell(row, id_column).unwrap_or_default();
                let Some(indexes) = by_person.get(id).filter(|_| !id.is_empty()) else {
                    orphans.push(Problem::new(
                        &row.at,
                        id_column,
                        Code::UnknownPerson,
                        "no ssd_person row has this person id",
                    ));
                    continue;
                };
                for &index in indexes {
                    let candidate = &mut candidates[index];
                    match table.table {
                        Table::LinkedIdentifiers => linked_identifier(candidate, table, row, today),
                        Table::ImmigrationStatus => {
                            if let Some(status) = immigration_status(candidate, table, row) {
                                statuses.entry(index).or_default().push(status);
                            }
                        }
                        Table::AssessmentFactors => assessment_factors(candidate, table, row),
                        Table::Person => {}
                    }
                }
            }
        }
        for (index, statuses) in statuses {
            let candidate = &mut candidates[index];
            if statuses
                .iter()
                .any(|s| ScopeFactor::from_immigration_status(s.status).is_some())
            {
                candidate.in_scope = true;
            }
            candidate.patch.immigration_status = current_status(&statuses, today);
        }
        candidates
    }
}

/// A child from an `ssd_person` row.
fn person(table: &CsvTable, row: &Row) -> Candidate {
    let id = table.cell(row, "pers_person_id").unwrap_or_default();
    let mut candidate = Candidate::new(row.at.clone(), "pers_person_id", id.to_owned());
    let date = |column: &str, candidate: &mut Candidate| -> Option<NaiveDate> {
        let text = table.cell(row, column)?;
        let parsed = ssd::parse_date(text);
        if parsed.is_none() {
            candidate.problems.push(Problem::new(
                &row.at,
                column,
                Code::Domain(ErrorCode::InvalidFormat),
                "a date is YYYY-MM-DD (a time after it is ignored) or DD/MM/YYYY",
            ));
        }
        parsed
    };
    let dob = date("pers_dob", &mut candidate);
    let expected = date("pers_expected_dob", &mut candidate);
    if let Some((day, source)) = ssd::date_of_birth(dob, expected) {
        candidate.patch.date_of_birth = Some(day);
        let column = match source {
            ssd::BirthDateSource::DateOfBirth => "pers_dob",
            ssd::BirthDateSource::ExpectedDateOfBirth => "pers_expected_dob",
        };
        // The SSD cannot say that a date of birth is an estimate: a stored estimate stays one.
        if source.estimated() {
            candidate.patch.date_of_birth_estimated = Some(true);
        }
        candidate.came_from("dateOfBirth", &row.at, column);
    } else {
        // No date at all (an unreadable one is refused above, before any validation): the
        // domain's REQUIRED is reported at the column a date of birth belongs in.
        candidate.came_from("dateOfBirth", &row.at, "pers_dob");
    }
    if let Some(code) = table.cell(row, "pers_gender") {
        match ssd::gender_from_code(code) {
            Some(gender) => candidate.patch.gender = Some(gender),
            None => candidate.problems.push(Problem::new(
                &row.at,
                "pers_gender",
                Code::Domain(ErrorCode::InvalidFormat),
                "a gender code is 00, 01, 02, 09 or a local code 10-99",
            )),
        }
    } else if let Some(code) = table.cell(row, "pers_sex") {
        match ssd::gender_from_sex(code) {
            Some(gender) => candidate.patch.gender = Some(gender),
            None => candidate.problems.push(Problem::new(
                &row.at,
                "pers_sex",
                Code::Domain(ErrorCode::InvalidFormat),
                "a sex code is F, M or U",
            )),
        }
    }
    if let Some(number) = table.cell(row, "pers_common_child_id") {
        candidate.patch.nhs_number = Some(number.to_owned());
        candidate.came_from("nhsNumber", &row.at, "pers_common_child_id");
    }
    for column in ["pers_upn", "pers_upn_unknown"] {
        if let Some(upn) = table.cell(row, column) {
            candidate.patch.upn = Some(upn.to_owned());
            candidate.came_from("upn", &row.at, column);
            break;
        }
    }
    if let Some(text) = table.cell(row, "pers_nationality") {
        let codes = text
            .split([',', ';', '|'])
            .map(str::trim)
            .filter(|code| !code.is_empty())
            .map(str::to_owned)
            .collect();
        candidate.patch.nationalities = Some(codes);
        candidate.came_from("nationalities", &row.at, "pers_nationality");
    }
    candidate
}

/// An `ssd_linked_identifiers` row: a UPN or an NHS number is kept (if still valid); the other
/// types are read and left.
fn linked_identifier(candidate: &mut Candidate, table: &CsvTable, row: &Row, today: NaiveDate) {
    let invalid = |column: &str, message: &str| {
        Problem::new(
            &row.at,
            column,
            Code::Domain(ErrorCode::InvalidFormat),
            message,
        )
    };
    let Some(kind) = table
        .cell(row, "link_identifier_type")
        .and_then(LinkedIdentifierType::parse)
    else {
        candidate.problems.push(invalid(
            "link_identifier_type",
            "not one of the SSD's identifier types (Case Number, Unique Pupil Number, NHS Number, …)",
        ));
        return;
    };
    if let Some(text) = table.cell(row, "link_valid_to_date") {
        match ssd::parse_date(text) {
            Some(ended) if ended < today => return,
            Some(_) => {}
            None => {
                candidate.problems.push(invalid(
                    "link_valid_to_date",
                    "a date is YYYY-MM-DD (a time after it is ignored) or DD/MM/YYYY",
                ));
                return;
            }
        }
    }
    let Some(kept) = kind.kept_as() else {
        return;
    };
    let Some(value) = table.cell(row, "link_identifier_value") else {
        candidate.problems.push(Problem::new(
            &row.at,
            "link_identifier_value",
            Code::Domain(ErrorCode::Required),
            "an identifier needs its value",
        ));
        return;
    };
    let (slot, field) = match kept {
        KeptIdentifier::Upn => (&mut candidate.patch.upn, "upn"),
        KeptIdentifier::NhsNumber => (&mut candidate.patch.nhs_number, "nhsNumber"),
    };
    match slot.as_deref() {
        Some(held) if same_identifier(kept, held, value) => {}
        // A UPN-unknown code says only that the UPN was not known: a UPN replaces it.
        Some(held) if kept == KeptIdentifier::Upn && is_upn_unknown(held) => {
            *slot = Some(value.to_owned());
            candidate.came_from(field, &row.at, "link_identifier_value");
        }
        Some(_) => candidate.problems.push(Problem::new(
            &row.at,
            "link_identifier_value",
            Code::ConflictingValues,
            "another row of the extract gives this child a different identifier of this type",
        )),
        None => {
            *slot = Some(value.to_owned());
            candidate.came_from(field, &row.at, "link_identifier_value");
        }
    }
}

/// Whether two spellings name the same identifier (an NHS number with or without its spaces, a
/// UPN in either case).
fn same_identifier(kind: KeptIdentifier, a: &str, b: &str) -> bool {
    let canonical = |text: &str| -> String {
        match kind {
            KeptIdentifier::NhsNumber => text.chars().filter(|c| !matches!(c, ' ' | '-')).collect(),
            KeptIdentifier::Upn => text.trim().to_ascii_uppercase(),
        }
    };
    canonical(a) == canonical(b)
}

fn is_upn_unknown(text: &str) -> bool {
    stable_futures_domain::child::Upn::parse(text)
        .is_ok_and(|upn| matches!(upn, stable_futures_domain::child::Upn::Unknown(_)))
}

/// An immigration status of one child, with when it held.
#[derive(Debug, Clone, Copy)]
struct Status {
    status: ImmigrationStatus,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
}

fn immigration_status(candidate: &mut Candidate, table: &CsvTable, row: &Row) -> Option<Status> {
    let mut refused = false;
    let mut date = |column: &str, candidate: &mut Candidate| {
        let text = table.cell(row, column)?;
        let parsed = ssd::parse_date(text);
        if parsed.is_none() {
            refused = true;
            candidate.scope_problems.push(Problem::new(
                &row.at,
                column,
                Code::Domain(ErrorCode::InvalidFormat),
                "a date is YYYY-MM-DD (a time after it is ignored) or DD/MM/YYYY",
            ));
        }
        parsed
    };
    let start = date("immi_immigration_status_start_date", candidate);
    let end = date("immi_immigration_status_end_date", candidate);
    let status = table
        .cell(row, "immi_immigration_status")
        .and_then(ssd::immigration_status);
    if status.is_none() {
        candidate.scope_problems.push(Problem::new(
            &row.at,
            "immi_immigration_status",
            Code::Domain(ErrorCode::InvalidFormat),
            "not an immigration status this import knows (see docs/import.md)",
        ));
    }
    if refused {
        return None;
    }
    Some(Status {
        status: status?,
        start,
        end,
    })
}

/// The status that holds today (no end, or an end not yet passed), the latest started; if none
/// holds, the last known.
fn current_status(statuses: &[Status], today: NaiveDate) -> Option<ImmigrationStatus> {
    let latest = |candidates: Vec<&Status>| {
        candidates
            .into_iter()
            .enumerate()
            .max_by_key(|(order, s)| (s.start, *order))
            .map(|(_, s)| s.status)
    };
    let holding: Vec<&Status> = statuses
        .iter()
        .filter(|s| s.end.is_none_or(|end| end >= today))
        .collect();
    if holding.is_empty() {
        latest(statuses.iter().collect())
    } else {
        latest(holding)
    }
}

/// An `ssd_assessment_factors` row: a JSON array of codes (`["12A", "3A"]`, the SSD's current
/// form) or an object of codes to answers (`{"12A": "Yes"}`, its planned one).
fn assessment_factors(candidate: &mut Candidate, table: &CsvTable, row: &Row) {
    let codes = table
        .cell(row, "cinf_assessment_factors_json")
        .map(factor_codes)
        .unwrap_or(Some(Vec::new()));
    match codes {
        Some(codes) => {
            if codes
                .iter()
                .any(|code| ScopeFactor::from_code(code).is_some())
            {
                candidate.in_scope = true;
            }
        }
        None => candidate.scope_problems.push(Problem::new(
            &row.at,
            "cinf_assessment_factors_json",
            Code::Domain(ErrorCode::InvalidFormat),
            "assessment factors are a JSON array of codes or an object of codes to Yes/No",
        )),
    }
}

/// The codes present in an assessment-factors cell, or `None` if it is not one of its forms.
pub fn factor_codes(text: &str) -> Option<Vec<String>> {
    use serde_json::Value;
    match serde_json::from_str::<Value>(text).ok()? {
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::String(code) => Some(code),
                _ => None,
            })
            .collect(),
        Value::Object(answers) => {
            let mut codes = Vec::new();
            for (code, answer) in answers {
                let present = match answer {
                    Value::Bool(yes) => yes,
                    Value::String(text) => {
                        matches!(
                            text.trim().to_ascii_lowercase().as_str(),
                            "yes" | "y" | "true" | "1"
                        )
                    }
                    Value::Number(n) => n.as_i64() == Some(1),
                    Value::Null => false,
                    _ => return None,
                };
                if present {
                    codes.push(code);
                }
            }
            Some(codes)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("a date")
    }

    fn today() -> NaiveDate {
        day("2026-12-05")
    }

    #[test]
    fn assessment_factors_are_read_in_both_of_the_ssds_forms() {
        assert_eq!(
            factor_codes(r#"["12A", "3A"]"#),
            Some(vec!["12A".to_owned(), "3A".to_owned()])
        );
        assert_eq!(factor_codes("[]"), Some(vec![]));
        assert_eq!(
            factor_codes(
                r#"{"12A": "Yes", "24A": "No", "9A": true, "3A": 1, "4A": null, "5A": "y", "6A": 0}"#
            ),
            Some(vec![
                "12A".to_owned(),
                "3A".to_owned(),
                "5A".to_owned(),
                "9A".to_owned()
            ])
        );
        for bad in ["12A", "[12]", r#"{"12A": []}"#, "\"12A\"", "{", "null"] {
            assert_eq!(factor_codes(bad), None, "{bad}");
        }
    }

    fn status(status: ImmigrationStatus, start: Option<&str>, end: Option<&str>) -> Status {
        Status {
            status,
            start: start.map(day),
            end: end.map(day),
        }
    }

    #[test]
    fn the_current_status_is_the_latest_started_of_those_holding_today() {
        use ImmigrationStatus as S;
        let history = [
            status(
                S::UnaccompaniedAsylumSeekingChild,
                Some("2024-01-10"),
                Some("2025-06-01"),
            ),
            status(S::RefugeeStatus, Some("2025-06-01"), None),
            status(
                S::AsylumClaimPending,
                Some("2024-01-10"),
                Some("2027-01-01"),
            ),
        ];
        assert_eq!(current_status(&history, today()), Some(S::RefugeeStatus));
        let ended = [
            status(
                S::AsylumClaimPending,
                Some("2023-01-10"),
                Some("2024-06-01"),
            ),
            status(
                S::UnaccompaniedAsylumSeekingChild,
                Some("2024-01-10"),
                Some("2025-06-01"),
            ),
            status(S::NoLeave, None, Some("2025-07-01")),
        ];
        assert_eq!(
            current_status(&ended, today()),
            Some(S::UnaccompaniedAsylumSeekingChild),
            "none holds: the last known"
        );
        let ending_today = [
            status(S::RefugeeStatus, Some("2020-01-01"), None),
            status(S::LimitedLeave, Some("2021-01-01"), Some("2026-12-05")),
        ];
        assert_eq!(
            current_status(&ending_today, today()),
            Some(S::LimitedLeave)
        );
        let undated = [
            status(S::NoLeave, None, None),
            status(S::Unknown, None, None),
        ];
        assert_eq!(
            current_status(&undated, today()),
            Some(S::Unknown),
            "undated: the later row"
        );
        assert_eq!(current_status(&[], today()), None);
    }

    #[test]
    fn identifiers_compare_as_the_domain_reads_them() {
        assert!(same_identifier(
            KeptIdentifier::NhsNumber,
            "943 476 5919",
            "943-476-5919"
        ));
        assert!(!same_identifier(
            KeptIdentifier::NhsNumber,
            "9434765919",
            "4010232137"
        ));
        assert!(same_identifier(
            KeptIdentifier::Upn,
            "a123456789012",
            " A123456789012"
        ));
        assert!(!same_identifier(KeptIdentifier::Upn, "UN1", "UN2"));
        assert!(is_upn_unknown("un3"));
        assert!(!is_upn_unknown("A123456789012"));
        assert!(!is_upn_unknown("nonsense"));
    }

    /// Writes each `(name, text)` to a fresh folder and reads them as one extract.
    fn extract(files: &[(&str, &str)]) -> (Vec<Candidate>, Vec<Problem>) {
        let dir = std::env::temp_dir().join(format!("sf-ssd-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let mut problems = Vec::new();
        let mut extract = Extract::default();
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::write(&path, text).expect("written");
            extract.add(read(&path, &mut problems).expect("a table"));
        }
        let candidates = extract.candidates(today(), &mut problems);
        std::fs::remove_dir_all(&dir).expect("cleanup");
        (candidates, problems)
    }

    fn shown(problems: &[Problem]) -> Vec<String> {
        problems
            .iter()
            .map(|p| {
                let file = p.at.file.rsplit('/').next().unwrap_or_default();
                format!("{file}:{}: {}: {}", p.at.line, p.field, p.code)
            })
            .collect()
    }

    #[test]
    fn the_tables_are_joined_by_person_id() {
        let (children, orphans) = extract(&[
            (
                "p.csv",
                "PERS_PERSON_ID,pers_sex,pers_gender,pers_dob,pers_expected_dob,pers_common_child_id,pers_upn_unknown,pers_nationality\n\
                 P1,M,,NULL,2010-11-01,943 476 5919,UN2,ALB; GBR\n\
                 P2,F,02,2011-01-15,,,,\n\
                 P3,X,,2011-01-15,,,,\n\
                 P4,,,1 May 2010,,,,\n\
                 P5,M,\n",
            ),
            (
                "l.csv",
                "link_table_id,link_person_id,link_identifier_type,link_identifier_value,link_valid_from_date,link_valid_to_date\n\
                 L1,P1,UPN,A123456789012,,\n\
                 L2,P1,NHS Number,9434765919,,\n\
                 L3,P2,NHS Number,4010232137,,2020-01-01\n\
                 L4,P2,Passport,X,,\n\
                 L5,P2,NHS Number,,,\n\
                 L6,P9,NHS Number,4010232137,,\n\
                 L7,P2,Case Number,C1,,someday\n",
            ),
            (
                "i.csv",
                "immi_person_id,immi_immigration_status,immi_immigration_status_start_date,immi_immigration_status_end_date\n\
                 P1,UASC,2024-01-01,\n\
                 P2,Visitor,,\n\
                 P3,Refugee,2024-13-01,\n",
            ),
            (
                "f.csv",
                "cina_person_id,cinf_assessment_factors_json\nP2,\"[\"\"24A\"\"]\"\nP3,\"[\"\"12A\"\"]\"\nP4,not json\n",
            ),
        ]);
        assert_eq!(
            shown(&orphans),
            [
                "p.csv:6: -: MALFORMED_ROW",
                "l.csv:7: link_person_id: UNKNOWN_PERSON"
            ]
        );
        let lines: Vec<u64> = children.iter().map(|c| c.at.line).collect();
        assert_eq!(lines, [2, 3, 4, 5]);

        let p1 = &children[0];
        assert!(p1.in_scope, "a UASC status is factor 9A");
        assert!(
            p1.problems.is_empty() && p1.scope_problems.is_empty(),
            "{:?}",
            p1.problems
        );
        assert_eq!(p1.patch.local_child_id, "P1");
        assert_eq!(p1.patch.date_of_birth, Some(day("2010-11-01")));
        assert_eq!(p1.patch.date_of_birth_estimated, Some(true));
        assert_eq!(
            p1.patch.gender,
            Some(stable_futures_domain::child::Gender::Male)
        );
        assert_eq!(p1.patch.nhs_number.as_deref(), Some("943 476 5919"));
        assert_eq!(
            p1.patch.upn.as_deref(),
            Some("A123456789012"),
            "a UPN replaces UN2"
        );
        assert_eq!(p1.origins["upn"].field, "link_identifier_value");
        assert_eq!(p1.origins["dateOfBirth"].field, "pers_expected_dob");
        assert_eq!(
            p1.patch.nationalities,
            Some(vec!["ALB".to_owned(), "GBR".to_owned()])
        );
        assert_eq!(
            p1.patch.immigration_status,
            Some(ImmigrationStatus::UnaccompaniedAsylumSeekingChild)
        );

        let p2 = &children[1];
        assert!(p2.in_scope);
        assert_eq!(
            p2.patch.date_of_birth_estimated, None,
            "pers_dob says nothing of estimates"
        );
        assert_eq!(
            p2.patch.nhs_number, None,
            "an expired identifier is left out"
        );
        assert_eq!(
            shown(&p2.problems),
            [
                "l.csv:5: link_identifier_type: INVALID_FORMAT",
                "l.csv:6: link_identifier_value: REQUIRED",
                "l.csv:8: link_valid_to_date: INVALID_FORMAT",
            ]
        );
        assert_eq!(
            shown(&p2.scope_problems),
            ["i.csv:3: immi_immigration_status: INVALID_FORMAT"]
        );

        let p3 = &children[2];
        assert!(p3.in_scope);
        assert_eq!(shown(&p3.problems), ["p.csv:4: pers_sex: INVALID_FORMAT"]);
        assert_eq!(
            shown(&p3.scope_problems),
            ["i.csv:4: immi_immigration_status_start_date: INVALID_FORMAT"]
        );

        let p4 = &children[3];
        assert!(!p4.in_scope);
        assert_eq!(shown(&p4.problems), ["p.csv:5: pers_dob: INVALID_FORMAT"]);
        assert_eq!(
            shown(&p4.scope_problems),
            ["f.csv:4: cinf_assessment_factors_json: INVALID_FORMAT"]
        );
    }

    #[test]
    fn an_identifier_is_kept_through_its_last_valid_day_and_a_missing_birth_date_is_required() {
        let (mut children, _) = extract(&[
            (
                "p.csv",
                "pers_person_id,pers_dob,pers_expected_dob\nP1,2011-01-15,\nP2,2011-01-15,\nP3,,\n",
            ),
            (
                "l.csv",
                "link_person_id,link_identifier_type,link_identifier_value,link_valid_to_date\n\
                 P1,NHS Number,9434765919,2026-12-05\n\
                 P2,NHS Number,4010232137,2027-01-01\n",
            ),
        ]);
        assert_eq!(
            children[0].patch.nhs_number.as_deref(),
            Some("9434765919"),
            "valid today"
        );
        assert_eq!(children[1].patch.nhs_number.as_deref(), Some("4010232137"));
        children[2].validate(today());
        assert_eq!(
            shown(&children[2].problems),
            ["p.csv:4: pers_dob: REQUIRED"]
        );
    }

    #[test]
    fn conflicting_identifiers_are_refused_where_the_second_one_is() {
        let (children, _) = extract(&[
            (
                "p.csv",
                "pers_person_id,pers_dob,pers_common_child_id,pers_upn\nP1,2011-01-15,9434765919,A123456789012\n",
            ),
            (
                "l.csv",
                "link_person_id,link_identifier_type,link_identifier_value\nP1,NHS Number,4010232137\nP1,Unique Pupil Number,UN1\nP1,NHS Number,943-476-5919\n",
            ),
        ]);
        assert_eq!(
            shown(&children[0].problems),
            [
                "l.csv:2: link_identifier_value: CONFLICTING_VALUES",
                "l.csv:3: link_identifier_value: CONFLICTING_VALUES",
            ]
        );
        assert_eq!(children[0].origins["upn"].field, "pers_upn");
    }

    #[test]
    fn a_file_that_is_no_known_table_or_lacks_a_column_is_refused_whole() {
        let dir = std::env::temp_dir().join(format!("sf-ssd-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let write = |name: &str, text: &str| {
            let path = dir.join(name);
            std::fs::write(&path, text).expect("written");
            path
        };
        let mut problems = Vec::new();
        let unknown = write("u.csv", "first_name\nA\n");
        assert!(matches!(
            read(&unknown, &mut problems),
            Err(ImportError::UnknownTable { .. })
        ));
        let lacking = write("l.csv", "link_person_id,link_identifier_type\nP1,UPN\n");
        assert!(matches!(
            read(&lacking, &mut problems),
            Err(ImportError::MissingColumn { column, .. }) if column == "link_identifier_value"
        ));
        let factors = write(
            "f.csv",
            "cinf_assessment_id,cinf_assessment_factors_json\nA1,[]\n",
        );
        assert!(matches!(
            read(&factors, &mut problems),
            Err(ImportError::MissingColumn { column, .. }) if column == "cinf_person_id"
        ));
        assert!(matches!(
            read(&dir.join("missing.csv"), &mut problems),
            Err(ImportError::Unreadable { .. })
        ));
        let bom = write("b.csv", "\u{feff}Pers_Person_Id ,pers_dob\nP1, NULL \n");
        let table = read(&bom, &mut problems).expect("a person table");
        assert_eq!(table.table, Table::Person);
        assert_eq!(table.cell(&table.rows[0], "pers_person_id"), Some("P1"));
        assert_eq!(table.cell(&table.rows[0], "pers_dob"), None);
        assert_eq!(table.cell(&table.rows[0], "pers_gender"), None);
        assert!(problems.is_empty());
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn a_table_is_known_by_its_header() {
        let header = |names: &[&str]| -> HashMap<String, usize> {
            names
                .iter()
                .enumerate()
                .map(|(i, n)| ((*n).to_owned(), i))
                .collect()
        };
        assert_eq!(
            Table::of(&header(&["pers_person_id", "pers_dob"])),
            Some(Table::Person)
        );
        assert_eq!(
            Table::of(&header(&["link_table_id", "link_person_id"])),
            Some(Table::LinkedIdentifiers)
        );
        assert_eq!(
            Table::of(&header(&["immi_person_id"])),
            Some(Table::ImmigrationStatus)
        );
        assert_eq!(
            Table::of(&header(&["cinf_table_id", "cinf_assessment_factors_json"])),
            Some(Table::AssessmentFactors)
        );
        assert_eq!(Table::of(&header(&["name", "dob"])), None);
        assert_eq!(
            person_column(&header(&["cina_person_id"])),
            Some("cina_person_id")
        );
        assert_eq!(person_column(&header(&["cinf_assessment_id"])), None);
    }
}
