//! One child as an extract describes them, before anything is written: the details it carries,
//! where each came from, whether the child belongs here, and what is wrong.

use std::collections::HashMap;

use chrono::NaiveDate;
use stable_futures_domain::child::{ChildDetails, ChildPatch};
use stable_futures_domain::FieldErrors;

use super::report::{Code, Location, Problem};

/// Where one of the child's details was read: the row and the column (CSV) or input field
/// (JSONL) to name when the domain refuses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub at: Location,
    pub field: String,
}

/// A child read from an extract.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The row that introduces the child (an `ssd_person` row, a JSONL line).
    pub at: Location,
    /// The field of that row that holds the local child id.
    pub id_field: &'static str,
    pub patch: ChildPatch,
    /// By the domain's field name (`nhsNumber`, `dateOfBirth`): where the value came from.
    pub origins: HashMap<&'static str, Origin>,
    /// Whether an assessment factor (12A, 24A, 9A) or a UASC status brings the child in.
    pub in_scope: bool,
    /// Problems that refuse the child if they are in scope.
    pub problems: Vec<Problem>,
    /// Problems that refuse the child even if they seem out of scope: in the rows that decide
    /// the scope (assessment factors, immigration statuses), so the scope itself is in doubt.
    pub scope_problems: Vec<Problem>,
    /// The details to register, once validated.
    pub details: Option<ChildDetails>,
}

impl Candidate {
    pub fn new(at: Location, id_field: &'static str, local_child_id: String) -> Self {
        Self {
            at,
            id_field,
            patch: ChildPatch {
                local_child_id,
                ..ChildPatch::default()
            },
            origins: HashMap::new(),
            in_scope: false,
            problems: Vec::new(),
            scope_problems: Vec::new(),
            details: None,
        }
    }

    /// Notes where the domain field `field` was read.
    pub fn came_from(&mut self, field: &'static str, at: &Location, column: &str) {
        self.origins.insert(
            field,
            Origin {
                at: at.clone(),
                field: column.to_owned(),
            },
        );
    }

    /// Whether the child will be refused (in scope with problems, or with the scope in doubt).
    pub fn refused(&self) -> bool {
        !self.scope_problems.is_empty() || (self.in_scope && !self.problems.is_empty())
    }

    /// Every problem that refuses the child, in the order found.
    pub fn refusals(&self) -> Vec<&Problem> {
        let mut all: Vec<&Problem> = self.scope_problems.iter().collect();
        if self.in_scope {
            all.extend(self.problems.iter());
        }
        all
    }

    /// The domain's errors, each at the row and column its value came from (the introducing
    /// row and the domain's own field name when no origin was noted).
    pub fn refuse(&mut self, errors: FieldErrors) {
        for error in errors.0 {
            let (at, field) = match self.origins.get(error.field.as_str()) {
                Some(origin) => (origin.at.clone(), origin.field.clone()),
                None if error.field == "localChildId" => {
                    (self.at.clone(), self.id_field.to_owned())
                }
                None => (self.at.clone(), error.field.clone()),
            };
            self.problems.push(Problem {
                at,
                field,
                code: Code::Domain(error.code),
                message: error.message,
            });
        }
    }

    /// Validates the details the child would be registered with, as of the UK date `today`.
    pub fn validate(&mut self, today: NaiveDate) {
        match self.patch.new_child().validate(today) {
            Ok(details) => self.details = Some(details),
            Err(errors) => self.refuse(errors),
        }
    }
}

/// Refuses every child whose local id another child of the extract also has: which of the two
/// is right is for the case system to say, not for the import to guess.
pub fn refuse_duplicates(candidates: &mut [Candidate]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for candidate in candidates.iter() {
        let id = candidate.patch.local_child_id.trim();
        if !id.is_empty() {
            *seen.entry(id.to_owned()).or_default() += 1;
        }
    }
    for candidate in candidates.iter_mut() {
        let id = candidate.patch.local_child_id.trim();
        if seen.get(id).copied().unwrap_or(0) > 1 {
            let problem = Problem::new(
                &candidate.at,
                candidate.id_field,
                Code::Domain(stable_futures_domain::ErrorCode::DuplicateLocalChildId),
                "another row of the extract has this local child id; neither is imported",
            );
            candidate.problems.push(problem);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use stable_futures_domain::{ErrorCode, FieldError};

    use super::*;

    fn at(line: u64) -> Location {
        Location {
            file: Arc::from("ssd_person.csv"),
            line,
        }
    }

    fn candidate(id: &str, line: u64) -> Candidate {
        Candidate::new(at(line), "pers_person_id", id.to_owned())
    }

    #[test]
    fn a_domain_error_is_reported_where_its_value_came_from() {
        let mut child = candidate("LL1", 2);
        let linked = Location {
            file: Arc::from("ssd_linked_identifiers.csv"),
            line: 5,
        };
        child.came_from("nhsNumber", &linked, "link_identifier_value");
        child.refuse(FieldErrors(vec![
            FieldError::new("nhsNumber", ErrorCode::InvalidNhsNumber, "bad"),
            FieldError::new("localChildId", ErrorCode::TooLong, "long"),
            FieldError::new("dateOfBirth", ErrorCode::Required, "needed"),
        ]));
        let shown: Vec<String> = child.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "ssd_linked_identifiers.csv:5: link_identifier_value: INVALID_NHS_NUMBER bad",
                "ssd_person.csv:2: pers_person_id: TOO_LONG long",
                "ssd_person.csv:2: dateOfBirth: REQUIRED needed",
            ]
        );
    }

    #[test]
    fn problems_refuse_a_child_in_scope_and_scope_problems_any_child() {
        let mut child = candidate("LL1", 2);
        assert!(!child.refused());
        child
            .problems
            .push(Problem::new(&at(2), "pers_dob", Code::MalformedRow, "x"));
        assert!(!child.refused(), "out of scope: not imported, not refused");
        assert!(child.refusals().is_empty());
        child.in_scope = true;
        assert!(child.refused());
        assert_eq!(child.refusals().len(), 1);
        let mut doubtful = candidate("LL2", 3);
        doubtful
            .scope_problems
            .push(Problem::new(&at(3), "f", Code::MalformedRow, "x"));
        assert!(doubtful.refused());
        assert_eq!(doubtful.refusals().len(), 1);
    }

    #[test]
    fn every_row_sharing_a_local_child_id_is_refused() {
        let mut children = vec![
            candidate("LL1", 2),
            candidate("LL2", 3),
            candidate(" LL1", 4),
            candidate("", 5),
            candidate("", 6),
        ];
        refuse_duplicates(&mut children);
        let refused: Vec<u64> = children
            .iter()
            .filter(|c| !c.problems.is_empty())
            .map(|c| c.at.line)
            .collect();
        assert_eq!(refused, [2, 4]);
        assert_eq!(
            children[0].problems[0].code,
            Code::Domain(ErrorCode::DuplicateLocalChildId)
        );
    }

    #[test]
    fn a_valid_child_keeps_its_details_and_an_invalid_one_its_problems() {
        let today: NaiveDate = "2026-12-05".parse().expect("a date");
        let mut valid = candidate("LL1", 2);
        valid.patch.date_of_birth = Some("2012-03-15".parse().expect("a date"));
        valid.validate(today);
        assert!(valid.details.is_some());
        assert!(valid.problems.is_empty());
        let mut invalid = candidate("LL1", 2);
        invalid.validate(today);
        assert!(invalid.details.is_none());
        assert_eq!(invalid.problems[0].code, Code::Domain(ErrorCode::Required));
    }
}
