//! `stable-futures import`: the real binary on the sample extract (`examples/ssd-extract`) and on
//! extracts written by the tests, against a database of its own.
//!
//! What an import must leave is what the API leaves: a child per in-scope row, with an audit row
//! and a change-feed entry each, written as `stable-futures-cli` for the client
//! `stable-futures-import`; nothing more on a second run; and nothing of a child whose write
//! failed halfway.

use std::path::{Path, PathBuf};
use std::process::Output;

use stable_futures_persistence::testing::TestDatabase;
use stable_futures_test_support::process::{self, ISLINGTON};

use crate::SERVER;

/// The sample extract shipped in `examples/`.
fn sample() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/ssd-extract");
    [
        "ssd_person.csv",
        "ssd_linked_identifiers.csv",
        "ssd_immigration_status.csv",
        "ssd_assessment_factors.csv",
        "children.jsonl",
    ]
    .iter()
    .map(|name| dir.join(name))
    .collect()
}

/// Runs `stable-futures import --la E09000019 FILES…` against `database` as its owner.
fn import(database: &TestDatabase, files: &[PathBuf]) -> Output {
    std::process::Command::new(SERVER)
        .arg("import")
        .args(["--la", ISLINGTON])
        .args(["--owner-database-url", &database.owner_url])
        .args(files)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The refusals, each `file:line: field: CODE`, with the sample's folder left out.
fn refusals(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|line| !line.starts_with("Error:"))
        .map(|line| {
            let line = line.rsplit_once('/').map_or(line, |(_, file)| file);
            let mut parts = line.splitn(4, ": ");
            let (place, field, rest) = (
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
            );
            let code = rest.split(' ').next().unwrap_or_default();
            format!("{place}: {field}: {code}")
        })
        .collect()
}

async fn count(database: &TestDatabase, sql: &str) -> i64 {
    database.owner_query(sql).await[0].parse().expect("a count")
}

/// A folder of the test's own extract files, removed afterwards.
struct Extract(PathBuf);

impl Extract {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("sf-import-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        Self(dir)
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("written");
        path
    }
}

impl Drop for Extract {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const PERSON_HEADER: &str = "pers_person_id,pers_sex,pers_gender,pers_dob,pers_expected_dob,pers_common_child_id,pers_upn_unknown,pers_nationality\n";
const FACTORS_HEADER: &str =
    "cinf_table_id,cinf_assessment_id,cinf_person_id,cinf_assessment_factors_json\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sample_extract_is_imported_with_the_apis_trail_and_a_second_run_changes_nothing() {
    let database = process::database().await;

    let first = import(&database, &sample());
    assert_eq!(
        first.status.code(),
        Some(1),
        "rows of the sample are refused"
    );
    let summary = stdout(&first);
    assert!(
        summary.starts_with(
            "read 12, created 5, updated 0, unchanged 0, refused 5, not in scope 2, other rows refused 1\n"
        ),
        "{summary}"
    );
    let mut refused = refusals(&first);
    refused.sort();
    assert_eq!(
        refused,
        [
            "children.jsonl:2: dateOfBirth: INVALID_FORMAT",
            "ssd_linked_identifiers.csv:4: link_identifier_value: CONFLICTING_VALUES",
            "ssd_linked_identifiers.csv:7: link_person_id: UNKNOWN_PERSON",
            "ssd_person.csv:10: pers_gender: INVALID_FORMAT",
            "ssd_person.csv:7: pers_common_child_id: INVALID_NHS_NUMBER",
            "ssd_person.csv:8: pers_dob: IN_FUTURE",
        ]
    );
    // No value of the extract is ever repeated: only where it is and what is wrong with it.
    let stderr = String::from_utf8_lossy(&first.stderr);
    for value in [
        "999 000 0000",
        "9990000409",
        "2099-01-15",
        "15/08/2011",
        "SYNTH",
    ] {
        assert!(
            !stderr.contains(value),
            "the report repeats {value}:\n{stderr}"
        );
    }

    let children = database
        .owner_query(&format!(
            "SELECT string_agg(local_child_id, ' ' ORDER BY local_child_id) FROM children WHERE local_authority = '{ISLINGTON}'"
        ))
        .await;
    assert_eq!(
        children,
        ["SYNTH0001 SYNTH0002 SYNTH0003 SYNTH0010 SYNTH0101"]
    );
    let details = database
        .owner_query(
            "SELECT concat_ws('|', local_child_id, upn, nhs_number, date_of_birth, date_of_birth_estimated, gender, array_to_string(nationalities, ','), immigration_status) FROM children ORDER BY local_child_id",
        )
        .await;
    assert_eq!(
        details,
        [
            "SYNTH0001|U206000000010|9990000018|2009-03-15|f|FEMALE|ALB",
            "SYNTH0002|UN2|2008-07-15|f|MALE|VNM|UNACCOMPANIED_ASYLUM_SEEKING_CHILD",
            // An expected date of birth that has passed: recorded as an estimate.
            "SYNTH0003|UN4|9990000107|2010-11-01|t|MALE|",
            "SYNTH0010|G206000000020|9990000506|2008-06-15|f|FEMALE|ALB,GBR|REFUGEE_STATUS",
            "SYNTH0101|9990000603|2011-08-15|t|MALE|AFG|ASYLUM_CLAIM_PENDING",
        ]
    );
    let trail = "SELECT count(*) FROM audit_events WHERE action = 'CREATE' AND operation = 'importCli' AND subject = 'stable-futures-cli' AND client = 'stable-futures-import' AND child_id IN (SELECT id FROM children)";
    assert_eq!(count(&database, trail).await, 5);
    let feed = "SELECT count(*) FROM changes WHERE kind = 'CREATED' AND child_id IN (SELECT id FROM children)";
    assert_eq!(count(&database, feed).await, 5);

    let second = import(&database, &sample());
    assert_eq!(second.status.code(), Some(1));
    assert!(
        stdout(&second).starts_with(
            "read 12, created 0, updated 0, unchanged 5, refused 5, not in scope 2, other rows refused 1\n"
        ),
        "{}",
        stdout(&second)
    );
    assert_eq!(
        count(&database, "SELECT count(*) FROM audit_events").await,
        5
    );
    assert_eq!(count(&database, "SELECT count(*) FROM changes").await, 5);
    assert_eq!(
        count(&database, "SELECT max(version) FROM children").await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_row_updates_the_child_at_its_version_and_keeps_what_the_extract_is_silent_about()
{
    let database = process::database().await;
    let extract = Extract::new();
    let factors = extract.file(
        "factors.csv",
        &format!("{FACTORS_HEADER}F1,A1,LL7,\"[\"\"12A\"\"]\"\n"),
    );
    let person = |nationality: &str| {
        extract.file(
            "person.csv",
            &format!("{PERSON_HEADER}LL7,F,02,2011-04-15,,9990000018,UN3,{nationality}\n"),
        )
    };
    let files = [person("ALB"), factors.clone()];
    let output = import(&database, &files);
    assert!(output.status.success(), "{output:?}");
    // What the SSD cannot say, as a case worker recorded it through the API meanwhile.
    database
        .owner_execute("UPDATE children SET languages = '{sq}', interpreter_required = true, age_disputed = true, version = 2")
        .await;
    let unchanged = import(&database, &files);
    assert!(
        stdout(&unchanged).starts_with("read 1, created 0, updated 0, unchanged 1,"),
        "{}",
        stdout(&unchanged)
    );

    let files = [person("ALB;XXA"), factors];
    let updated = import(&database, &files);
    assert!(updated.status.success(), "{updated:?}");
    assert!(
        stdout(&updated).starts_with("read 1, created 0, updated 1, unchanged 0,"),
        "{}",
        stdout(&updated)
    );
    let child = database
        .owner_query("SELECT concat_ws('|', version, array_to_string(nationalities, ','), array_to_string(languages, ','), interpreter_required, age_disputed) FROM children")
        .await;
    assert_eq!(child, ["3|ALB,XXA|sq|t|t"]);
    assert_eq!(
        count(
            &database,
            "SELECT count(*) FROM audit_events WHERE action = 'UPDATE' AND operation = 'importCli'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &database,
            "SELECT count(*) FROM changes WHERE kind = 'UPDATED'"
        )
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_children_flagged_12a_24a_or_9a_or_as_uasc_are_imported() {
    let database = process::database().await;
    let extract = Extract::new();
    let persons = extract.file(
        "person.csv",
        &format!(
            "{PERSON_HEADER}A1,F,,2011-04-15,,,,\nA2,M,,2011-04-15,,,,\nA3,M,,2011-04-15,,,,\nA4,M,,2011-04-15,,,,\nA5,M,,2011-04-15,,,,\nA6,M,,2011-04-15,,,,\nA7,M,,not a date,,,,\n"
        ),
    );
    let factors = extract.file(
        "factors.csv",
        &format!(
            "{FACTORS_HEADER}F1,X,A1,\"[\"\"12A\"\"]\"\nF2,X,A2,\"[\"\"24A\"\"]\"\nF3,X,A3,\"{{\"\"9A\"\": \"\"Yes\"\"}}\"\nF4,X,A4,\"[\"\"11A\"\",\"\"13A\"\",\"\"10A\"\"]\"\nF7,X,A7,\"[\"\"3A\"\"]\"\n"
        ),
    );
    let statuses = extract.file(
        "immigration.csv",
        "immi_immigration_status_id,immi_person_id,immi_immigration_status,immi_immigration_status_start_date,immi_immigration_status_end_date\nI5,A5,UASC,2024-01-01,2025-01-01\nI6,A6,Refugee status,2024-01-01,\n",
    );
    let output = import(&database, &[persons, factors, statuses]);
    assert!(
        output.status.success(),
        "a bad date of a child out of scope is not refused: {output:?}"
    );
    assert!(
        stdout(&output).starts_with(
            "read 7, created 4, updated 0, unchanged 0, refused 0, not in scope 3, other rows refused 0"
        ),
        "{}",
        stdout(&output)
    );
    let children = database
        .owner_query("SELECT string_agg(local_child_id, ' ' ORDER BY local_child_id) FROM children")
        .await;
    assert_eq!(children, ["A1 A2 A3 A5"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_whose_write_fails_halfway_leaves_nothing_and_the_others_are_imported() {
    let database = process::database().await;
    // The change-feed entry is the last write of a registration: failing it must undo the
    // child's row and its audit row with it.
    database
        .owner_execute(
            "CREATE FUNCTION fail_for_ll2() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             IF EXISTS (SELECT 1 FROM children WHERE id = NEW.child_id AND local_child_id = 'LL2') \
             THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$",
        )
        .await;
    database
        .owner_execute("CREATE TRIGGER fail_for_ll2 BEFORE INSERT ON changes FOR EACH ROW EXECUTE FUNCTION fail_for_ll2()")
        .await;
    let extract = Extract::new();
    let lines = ["LL1", "LL2", "LL3"]
        .map(|id| format!("{{\"localChildId\": \"{id}\", \"dateOfBirth\": \"2010-05-01\"}}\n"))
        .concat();
    let file = extract.file("children.jsonl", &lines);
    let output = import(&database, &[file]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).starts_with("read 3, created 2, updated 0, unchanged 0, refused 1,"),
        "{}",
        stdout(&output)
    );
    assert_eq!(refusals(&output), ["children.jsonl:2: -: WRITE_FAILED"]);
    let children = database
        .owner_query("SELECT string_agg(local_child_id, ' ' ORDER BY local_child_id) FROM children")
        .await;
    assert_eq!(children, ["LL1 LL3"]);
    assert_eq!(
        count(&database, "SELECT count(*) FROM audit_events").await,
        2
    );
    assert_eq!(count(&database, "SELECT count(*) FROM changes").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_written_when_a_file_is_not_a_table_the_import_reads() {
    let database = process::database().await;
    let extract = Extract::new();
    let good = extract.file(
        "children.jsonl",
        "{\"localChildId\": \"LL1\", \"dateOfBirth\": \"2010-05-01\"}\n",
    );
    let unknown = extract.file("names.csv", "first_name,last_name\nA,B\n");
    let output = import(&database, &[good, unknown]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("is not a table the import reads"),
        "{stderr}"
    );
    assert_eq!(count(&database, "SELECT count(*) FROM children").await, 0);
}
