//! Our own form of an extract: one `registerChild` input per line, as JSON, with the GraphQL
//! input's field names (`localChildId`, `dateOfBirth`, …) and enum spellings (`FEMALE`).
//!
//! Every line is in scope: whoever wrote the file chose the children. A field left out is silent
//! (an existing child keeps what is stored); `idempotencyKey` is accepted and not needed, as an
//! import compares before it writes.

use std::path::Path;
use std::sync::Arc;

use serde_json::{Map, Value};
use stable_futures_domain::child::{CareStatus, Gender, ImmigrationStatus};
use stable_futures_domain::ErrorCode;

use super::candidate::Candidate;
use super::error::ImportError;
use super::report::{Code, Location, Problem};

/// The fields of `RegisterChildInput`.
const FIELDS: &[&str] = &[
    "localChildId",
    "upn",
    "nhsNumber",
    "dateOfBirth",
    "dateOfBirthEstimated",
    "ageDisputed",
    "gender",
    "nationalities",
    "languages",
    "interpreterRequired",
    "immigrationStatus",
    "careStatus",
    "idempotencyKey",
];

/// Reads a JSONL file: a candidate per non-blank line; a line that is not a JSON object is
/// refused into `problems`.
pub fn read(path: &Path, problems: &mut Vec<Problem>) -> Result<Vec<Candidate>, ImportError> {
    let file: Arc<str> = Arc::from(path.display().to_string());
    let text = std::fs::read(path).map_err(|error| ImportError::Unreadable {
        file: file.to_string(),
        reason: error.to_string(),
    })?;
    let mut candidates = Vec::new();
    for (index, line) in text.split(|&b| b == b'\n').enumerate() {
        let at = Location {
            file: file.clone(),
            line: index as u64 + 1,
        };
        let Ok(line) = std::str::from_utf8(line) else {
            problems.push(Problem::new(
                &at,
                "-",
                Code::MalformedRow,
                "the line is not UTF-8 text",
            ));
            continue;
        };
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(input)) => candidates.push(candidate(at, &input)),
            // serde_json's messages can quote the value they stumbled on: say only what is wrong.
            _ => problems.push(Problem::new(
                &at,
                "-",
                Code::MalformedRow,
                "the line is not a JSON object (one registerChild input per line)",
            )),
        }
    }
    Ok(candidates)
}

/// A child from one line's input object.
pub fn candidate(at: Location, input: &Map<String, Value>) -> Candidate {
    let mut fields = Fields {
        at: &at,
        input,
        problems: Vec::new(),
    };
    let local_child_id = fields.string("localChildId").unwrap_or_default();
    let mut child = Candidate::new(at.clone(), "localChildId", local_child_id);
    let patch = &mut child.patch;
    patch.upn = fields.string("upn");
    patch.nhs_number = fields.string("nhsNumber");
    patch.date_of_birth = fields.string("dateOfBirth").and_then(|text| {
        let date = chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok();
        if date.is_none() {
            fields.invalid("dateOfBirth", "a date is YYYY-MM-DD");
        }
        date
    });
    patch.date_of_birth_estimated = fields.boolean("dateOfBirthEstimated");
    patch.age_disputed = fields.boolean("ageDisputed");
    patch.gender = fields.enumerated("gender", Gender::parse);
    patch.nationalities = fields.strings("nationalities");
    patch.languages = fields.strings("languages");
    patch.interpreter_required = fields.boolean("interpreterRequired");
    patch.immigration_status = fields.enumerated("immigrationStatus", ImmigrationStatus::parse);
    patch.care_status = fields.enumerated("careStatus", CareStatus::parse);
    fields.string("idempotencyKey");
    for name in input.keys() {
        if !FIELDS.contains(&name.as_str()) {
            // The name is the file's key, not a child's value: safe to repeat.
            fields.problems.push(Problem::new(
                &at,
                name.clone(),
                Code::Domain(ErrorCode::InvalidFormat),
                "registerChild's input has no such field",
            ));
        }
    }
    child.problems = fields.problems;
    child.in_scope = true;
    child
}

/// The fields of one input object, read with their types checked.
struct Fields<'a> {
    at: &'a Location,
    input: &'a Map<String, Value>,
    problems: Vec<Problem>,
}

impl Fields<'_> {
    fn invalid(&mut self, field: &str, message: &str) {
        self.problems.push(Problem::new(
            self.at,
            field,
            Code::Domain(ErrorCode::InvalidFormat),
            message,
        ));
    }

    /// The field's value; `None` when left out or null.
    fn value(&self, field: &str) -> Option<&Value> {
        self.input.get(field).filter(|value| !value.is_null())
    }

    fn string(&mut self, field: &str) -> Option<String> {
        match self.value(field)? {
            Value::String(text) => Some(text.clone()),
            _ => {
                self.invalid(field, "a string is expected");
                None
            }
        }
    }

    fn boolean(&mut self, field: &str) -> Option<bool> {
        match self.value(field)? {
            Value::Bool(flag) => Some(*flag),
            _ => {
                self.invalid(field, "true or false is expected");
                None
            }
        }
    }

    fn strings(&mut self, field: &str) -> Option<Vec<String>> {
        let Value::Array(items) = self.value(field)? else {
            self.invalid(field, "a list of strings is expected");
            return None;
        };
        let texts: Option<Vec<String>> = items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect();
        if texts.is_none() {
            self.invalid(field, "a list of strings is expected");
        }
        texts
    }

    fn enumerated<T>(&mut self, field: &str, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
        let text = self.string(field)?;
        let value = parse(&text);
        if value.is_none() {
            self.invalid(field, "not one of the enum's values in schema.graphql");
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read_line(value: Value) -> Candidate {
        let Value::Object(input) = value else {
            panic!("an object")
        };
        candidate(
            Location {
                file: Arc::from("children.jsonl"),
                line: 3,
            },
            &input,
        )
    }

    #[test]
    fn a_register_child_input_becomes_a_child_in_scope() {
        let child = read_line(json!({
            "localChildId": "LL0012345", "nhsNumber": "943 476 5919", "upn": "UN2",
            "dateOfBirth": "2010-05-01", "dateOfBirthEstimated": true, "ageDisputed": true,
            "gender": "FEMALE", "nationalities": ["VNM"], "languages": ["vi"],
            "interpreterRequired": true, "immigrationStatus": "ASYLUM_CLAIM_PENDING",
            "careStatus": "LOOKED_AFTER", "idempotencyKey": "k-1"
        }));
        assert!(child.problems.is_empty(), "{:?}", child.problems);
        assert!(child.in_scope);
        let patch = &child.patch;
        assert_eq!(patch.local_child_id, "LL0012345");
        assert_eq!(patch.nhs_number.as_deref(), Some("943 476 5919"));
        assert_eq!(patch.upn.as_deref(), Some("UN2"));
        assert_eq!(
            patch.date_of_birth,
            Some("2010-05-01".parse().expect("a date"))
        );
        assert_eq!(patch.date_of_birth_estimated, Some(true));
        assert_eq!(patch.age_disputed, Some(true));
        assert_eq!(patch.gender, Some(Gender::Female));
        assert_eq!(patch.nationalities, Some(vec!["VNM".to_owned()]));
        assert_eq!(patch.languages, Some(vec!["vi".to_owned()]));
        assert_eq!(patch.interpreter_required, Some(true));
        assert_eq!(
            patch.immigration_status,
            Some(ImmigrationStatus::AsylumClaimPending)
        );
        assert_eq!(patch.care_status, Some(CareStatus::LookedAfter));
    }

    #[test]
    fn left_out_and_null_fields_are_silent() {
        let child =
            read_line(json!({"localChildId": "LL1", "dateOfBirth": "2010-05-01", "upn": null}));
        assert!(child.problems.is_empty());
        assert_eq!(child.patch.upn, None);
        assert_eq!(child.patch.age_disputed, None);
        assert_eq!(child.patch.nationalities, None);
    }

    #[test]
    fn each_wrong_field_is_named_without_its_value() {
        let child = read_line(json!({
            "localChildId": 12, "dateOfBirth": "01/05/2010", "ageDisputed": "yes",
            "gender": "BOY", "nationalities": ["VNM", 3], "languages": "vi", "name": "x",
            "upn": ["A"], "interpreterRequired": 1
        }));
        let mut shown: Vec<String> = child.problems.iter().map(ToString::to_string).collect();
        shown.sort();
        assert_eq!(
            shown,
            [
                "children.jsonl:3: ageDisputed: INVALID_FORMAT true or false is expected",
                "children.jsonl:3: dateOfBirth: INVALID_FORMAT a date is YYYY-MM-DD",
                "children.jsonl:3: gender: INVALID_FORMAT not one of the enum's values in schema.graphql",
                "children.jsonl:3: interpreterRequired: INVALID_FORMAT true or false is expected",
                "children.jsonl:3: languages: INVALID_FORMAT a list of strings is expected",
                "children.jsonl:3: localChildId: INVALID_FORMAT a string is expected",
                "children.jsonl:3: name: INVALID_FORMAT registerChild's input has no such field",
                "children.jsonl:3: nationalities: INVALID_FORMAT a list of strings is expected",
                "children.jsonl:3: upn: INVALID_FORMAT a string is expected",
            ]
        );
        for shown in shown {
            assert!(!shown.contains("BOY") && !shown.contains("01/05/2010"));
        }
    }

    #[test]
    fn a_file_is_read_line_by_line_and_a_broken_line_refused() {
        let dir = std::env::temp_dir().join(format!("sf-jsonl-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("children.jsonl");
        std::fs::write(
            &path,
            "{\"localChildId\": \"LL1\", \"dateOfBirth\": \"2010-05-01\"}\n\n{\"localChildId\": \"LL2\"\n[1]\n{\"localChildId\": \"LL3\"}",
        )
        .expect("write");
        let mut problems = Vec::new();
        let children = read(&path, &mut problems).expect("readable");
        let lines: Vec<u64> = children.iter().map(|c| c.at.line).collect();
        assert_eq!(lines, [1, 5]);
        let refused: Vec<u64> = problems.iter().map(|p| p.at.line).collect();
        assert_eq!(refused, [3, 4]);
        assert!(problems.iter().all(|p| p.code == Code::MalformedRow));
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
