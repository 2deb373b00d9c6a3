//! What an import tells its operator: each refused row as `file:line: field: CODE message`, a
//! progress bar while it writes, and the counts at the end.
//!
//! Nothing here ever holds a value from the extract: a refusal names where the value is (file,
//! line, column) and what is wrong with it, never the value, because the operator's terminal,
//! scroll-back and CI logs are no place for a child's date of birth or NHS number.

use std::fmt;
use std::io::Write;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use stable_futures_domain::ErrorCode;

/// A line of one input file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    pub file: Arc<str>,
    /// 1-based, as editors count; a CSV file's header is line 1.
    pub line: u64,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// Why a row was refused: the domain's validation codes (the same as the API's `userErrors`),
/// and the few that only an import can meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Domain(ErrorCode),
    /// Two rows of the extract give one identifier of a child two different values.
    ConflictingValues,
    /// A row names a person that the extract's `ssd_person` table does not hold.
    UnknownPerson,
    /// Not a row: wrong number of cells, not UTF-8, not JSON.
    MalformedRow,
    /// The database refused to write the child; nothing of them was written.
    WriteFailed,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Domain(code) => code.as_str(),
            Code::ConflictingValues => "CONFLICTING_VALUES",
            Code::UnknownPerson => "UNKNOWN_PERSON",
            Code::MalformedRow => "MALFORMED_ROW",
            Code::WriteFailed => "WRITE_FAILED",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One refused value: where it is and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub at: Location,
    /// The column (CSV) or input field (JSONL) holding the value; `-` for the whole row.
    pub field: String,
    pub code: Code,
    pub message: String,
}

impl Problem {
    pub fn new(
        at: &Location,
        field: impl Into<String>,
        code: Code,
        message: impl Into<String>,
    ) -> Self {
        Self {
            at: at.clone(),
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {} {}",
            self.at, self.field, self.code, self.message
        )
    }
}

/// What an import did, child by child.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Children read: `ssd_person` rows and JSONL lines.
    pub read: usize,
    pub created: usize,
    pub updated: usize,
    /// Already stored exactly as the extract has them: nothing written.
    pub unchanged: usize,
    pub refused: usize,
    /// Not flagged by assessment factor 12A, 24A or 9A, nor by a UASC status: skipped.
    pub not_in_scope: usize,
    /// Rows of the other tables refused on their own (a person the extract does not hold, a
    /// malformed row), apart from the children's.
    pub other_rows_refused: usize,
}

impl Summary {
    /// Whether anything was refused (the command then exits with a failure status).
    pub fn refused_anything(&self) -> bool {
        self.refused > 0 || self.other_rows_refused > 0
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "read {}, created {}, updated {}, unchanged {}, refused {}, not in scope {}, other rows refused {}",
            self.read,
            self.created,
            self.updated,
            self.unchanged,
            self.refused,
            self.not_in_scope,
            self.other_rows_refused
        )
    }
}

/// Where problems and progress go: the refusals to a writer (standard error), the bar drawn on
/// standard error only when it is a terminal (never into a log file or a pipe).
pub struct Reporter {
    out: Box<dyn Write + Send>,
    bar: ProgressBar,
    /// Whether the bar is drawn once the writing starts (standard error is a terminal).
    draw: bool,
    reported: usize,
}

impl fmt::Debug for Reporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reporter")
            .field("reported", &self.reported)
            .finish_non_exhaustive()
    }
}

impl Reporter {
    /// Refusals to standard error, with a progress bar while writing if standard error is a
    /// terminal.
    pub fn to_stderr() -> Self {
        use std::io::IsTerminal as _;
        let bar = ProgressBar::hidden();
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} children {per_sec} eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Self {
            out: Box::new(std::io::stderr()),
            bar,
            draw: std::io::stderr().is_terminal(),
            reported: 0,
        }
    }

    /// Refusals to `out`, no bar (tests).
    pub fn to_writer(out: Box<dyn Write + Send>) -> Self {
        Self {
            out,
            bar: ProgressBar::hidden(),
            draw: false,
            reported: 0,
        }
    }

    pub fn report(&mut self, problem: &Problem) {
        self.reported += 1;
        let out = &mut self.out;
        // A failed write to standard error cannot be reported anywhere better.
        self.bar.suspend(|| {
            let _ = writeln!(out, "{problem}");
        });
    }

    /// How many problems were reported.
    pub fn reported(&self) -> usize {
        self.reported
    }

    /// Shows the bar (on a terminal) for the writing of `children`; the reading and checking
    /// before it are too quick to need one.
    pub fn start(&self, children: usize) {
        self.bar.set_length(children as u64);
        self.bar.set_position(0);
        if self.draw {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    pub fn advance(&self) {
        self.bar.inc(1);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> Location {
        Location {
            file: Arc::from("ssd_person.csv"),
            line: 7,
        }
    }

    #[test]
    fn a_problem_reads_file_line_field_code_message() {
        let problem = Problem::new(
            &at(),
            "pers_common_child_id",
            Code::Domain(ErrorCode::InvalidNhsNumber),
            "an NHS number is ten digits",
        );
        assert_eq!(
            problem.to_string(),
            "ssd_person.csv:7: pers_common_child_id: INVALID_NHS_NUMBER an NHS number is ten digits"
        );
    }

    #[test]
    fn every_import_code_has_its_own_stable_spelling() {
        let codes = [
            (Code::ConflictingValues, "CONFLICTING_VALUES"),
            (Code::UnknownPerson, "UNKNOWN_PERSON"),
            (Code::MalformedRow, "MALFORMED_ROW"),
            (Code::WriteFailed, "WRITE_FAILED"),
            (Code::Domain(ErrorCode::Required), "REQUIRED"),
        ];
        for (code, text) in codes {
            assert_eq!(code.to_string(), text);
        }
    }

    #[test]
    fn the_summary_counts_each_outcome() {
        let summary = Summary {
            read: 9,
            created: 2,
            updated: 1,
            unchanged: 3,
            refused: 1,
            not_in_scope: 2,
            other_rows_refused: 4,
        };
        assert_eq!(
            summary.to_string(),
            "read 9, created 2, updated 1, unchanged 3, refused 1, not in scope 2, other rows refused 4"
        );
        assert!(summary.refused_anything());
        assert!(!Summary::default().refused_anything());
        assert!(Summary {
            refused: 1,
            ..Summary::default()
        }
        .refused_anything());
        assert!(Summary {
            other_rows_refused: 1,
            ..Summary::default()
        }
        .refused_anything());
    }

    #[test]
    fn the_reporter_writes_one_line_per_problem() {
        #[derive(Clone, Default)]
        struct Shared(Arc<std::sync::Mutex<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.lock().expect("not poisoned").write(buf)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let shared = Shared::default();
        let mut reporter = Reporter::to_writer(Box::new(shared.clone()));
        let problem = Problem::new(&at(), "-", Code::MalformedRow, "not a row");
        reporter.report(&problem);
        reporter.report(&problem);
        assert_eq!(reporter.reported(), 2);
        let text =
            String::from_utf8(shared.0.lock().expect("not poisoned").clone()).expect("utf-8");
        assert_eq!(
            text,
            "ssd_person.csv:7: -: MALFORMED_ROW not a row\nssd_person.csv:7: -: MALFORMED_ROW not a row\n"
        );
    }
}
