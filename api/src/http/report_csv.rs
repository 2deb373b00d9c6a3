//! `GET /reports/<name>.csv`: a report as a spreadsheet opens it. The report is asked of the
//! GraphQL schema like any other operation (the same token, scopes, admission, audit and
//! disclosure control), and its published cells are written as CSV with the report, authority,
//! period, grouping and rule set in header lines.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde_json::{json, Value};

use super::execute::run_for;
use super::identity::{bearer, identify_any, AnyCaller, Refusal};
use super::responses::{answer, error_body, overloaded, unauthenticated, unavailable};
use super::state::AppState;
use crate::caller::Correlation;
use crate::graphql::errors::ApiError;
use crate::telemetry::http::RequestTrace;

/// A report that can be exported: its path, its field under `reports`, and the cells of a row.
struct Export {
    name: &'static str,
    field: &'static str,
    title: &'static str,
    /// Extra report fields printed in the header lines.
    settings: &'static [&'static str],
    measures: &'static [&'static str],
}

const NRM_TIMELINESS: Export = Export {
    name: "nrm-timeliness",
    field: "nrmTimeliness",
    title: "NRM timeliness",
    settings: &[],
    measures: &[
        "referrals",
        "reasonableGroundsDecisions",
        "reasonableGroundsPositive",
        "reasonableGroundsPositiveShare",
        "decidedWithinTarget",
        "decidedWithinTargetShare",
        "medianDaysToReasonableGrounds",
        "p90DaysToReasonableGrounds",
        "conclusiveGroundsDecisions",
        "conclusiveGroundsPositive",
        "conclusiveGroundsPositiveShare",
        "medianDaysReasonableToConclusive",
        "waitingForConclusive",
        "medianDaysWaitingForConclusive",
    ],
};

const GUARDIAN_TIMELINESS: Export = Export {
    name: "guardian-timeliness",
    field: "guardianTimeliness",
    title: "Guardian timeliness",
    settings: &["thresholdDays"],
    measures: &[
        "requests",
        "assignments",
        "assignmentShare",
        "medianDaysRequestToAssignment",
        "medianDaysReferralToAssignment",
        "due",
        "assignedWithinThreshold",
        "assignedWithinThresholdShare",
        "openRequests",
        "medianDaysOpen",
    ],
};

const OUTCOMES: Export = Export {
    name: "outcomes",
    field: "outcomes",
    title: "Outcomes (association, not cause; the rating scale is this service's)",
    settings: &["guardianThresholdDays"],
    measures: &[
        "childrenMeasured",
        "measurements",
        "youngPersonParticipationShare",
    ],
};

/// The outcomes report's cells per outcome: one CSV line per group and outcome.
const OUTCOME_LABELS: &[&str] = &[
    "frameworkVersion",
    "outcomeKey",
    "outcomeTitle",
    "principleArticle",
    "principleTitle",
];
const OUTCOME_CELLS: &[&str] = &["children"];
const RATING_CELLS: &[&str] = &[
    "childrenWithChange",
    "improved",
    "improvedShare",
    "same",
    "sameShare",
    "worse",
    "worseShare",
    "medianChange",
];

const EXPORTS: [Export; 3] = [NRM_TIMELINESS, GUARDIAN_TIMELINESS, OUTCOMES];

fn displays(fields: &[&str]) -> String {
    fields
        .iter()
        .map(|field| format!("{field} {{ display }}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn query_of(export: &Export) -> String {
    let mut rows = format!("group {}", displays(export.measures));
    if export.field == OUTCOMES.field {
        rows.push_str(&format!(
            " outcomes {{ {} {} youngPerson {{ {} }} practitioner {{ {} }} }}",
            OUTCOME_LABELS.join(" "),
            displays(OUTCOME_CELLS),
            displays(RATING_CELLS),
            displays(RATING_CELLS),
        ));
    }
    format!(
        "query Export($from: Date!, $to: Date!, $groupBy: [ReportDimension!]!, $rules: DisclosureRules!, \
         $roundTotals: Boolean!) {{ reports {{ {field}(from: $from, to: $to, groupBy: $groupBy, \
         rules: $rules, roundTotals: $roundTotals) {{ rules totalsRounded from to groupBy {settings} \
         rows {{ {rows} }} }} }} }}",
        field = export.field,
        settings = export.settings.join(" "),
    )
}

/// The query string's parameters as the report's variables.
fn variables(parameters: &HashMap<String, String>) -> Result<Value, ApiError> {
    let bad = |message: &str| ApiError::BadUserInput(message.to_owned());
    if let Some(unknown) = parameters
        .keys()
        .find(|key| !["from", "to", "groupBy", "rules", "roundTotals"].contains(&key.as_str()))
    {
        return Err(ApiError::BadUserInput(format!(
            "unknown parameter {unknown:?}: a report takes from, to, groupBy, rules and roundTotals"
        )));
    }
    let from = parameters
        .get("from")
        .ok_or_else(|| bad("from is required (a UK date, YYYY-MM-DD)"))?;
    let to = parameters
        .get("to")
        .ok_or_else(|| bad("to is required (a UK date, YYYY-MM-DD)"))?;
    let group_by: Vec<&str> = parameters
        .get("groupBy")
        .map(|dimensions| {
            dimensions
                .split(',')
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let rules = parameters.get("rules").map_or("DFE_2024", String::as_str);
    let round_totals = match parameters.get("roundTotals").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(bad("roundTotals is true or false")),
    };
    Ok(json!({
        "from": from,
        "to": to,
        "groupBy": group_by,
        "rules": rules,
        "roundTotals": round_totals,
    }))
}

/// A cell as written: a text that a spreadsheet would read as a formula is quoted so it is not
/// (numbers, negative ones included, are left as they are).
fn cell(value: &Value) -> String {
    let text = match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let formula = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if formula && text.parse::<f64>().is_err() {
        format!("'{text}")
    } else {
        text
    }
}

fn display(value: &Value, field: &str) -> String {
    cell(&value[field]["display"])
}

fn write_csv(export: &Export, report: &Value, authority: &str) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let group_by: Vec<String> = report["groupBy"]
        .as_array()
        .map(|dimensions| dimensions.iter().map(cell).collect())
        .unwrap_or_default();
    out.write_record([format!("# Stable Futures report: {}", export.title)])?;
    out.write_record([format!("# Local authorities: {authority}")])?;
    out.write_record([format!(
        "# Period: {} to {} (UK dates; both included)",
        cell(&report["from"]),
        cell(&report["to"])
    )])?;
    out.write_record([format!(
        "# Disclosure rules: {} (c: hidden; z: not applicable; 0: a true zero)",
        cell(&report["rules"])
    )])?;
    if report["totalsRounded"] == Value::Bool(true) {
        out.write_record([
            "# Totals: counts rounded to the nearest 10; shares and days from the exact counts",
        ])?;
    }
    out.write_record([format!(
        "# Grouped by: {}",
        if group_by.is_empty() {
            "nothing (the whole cohort)".to_owned()
        } else {
            group_by.join(", ")
        }
    )])?;
    for setting in export.settings {
        out.write_record([format!("# {setting}: {}", cell(&report[*setting]))])?;
    }
    let mut header: Vec<String> = group_by.clone();
    header.extend(export.measures.iter().map(|m| (*m).to_owned()));
    let outcomes = export.field == OUTCOMES.field;
    if outcomes {
        header.extend(OUTCOME_LABELS.iter().map(|l| (*l).to_owned()));
        header.extend(OUTCOME_CELLS.iter().map(|c| (*c).to_owned()));
        for who in ["youngPerson", "practitioner"] {
            header.extend(RATING_CELLS.iter().map(|c| format!("{who}.{c}")));
        }
    }
    out.write_record(&header)?;
    for row in report["rows"].as_array().into_iter().flatten() {
        let mut line: Vec<String> = row["group"]
            .as_array()
            .map(|values| values.iter().map(cell).collect())
            .unwrap_or_default();
        line.extend(export.measures.iter().map(|m| display(row, m)));
        if !outcomes {
            out.write_record(&line)?;
            continue;
        }
        let measured = row["outcomes"].as_array().cloned().unwrap_or_default();
        if measured.is_empty() {
            out.write_record(&line)?;
        }
        for outcome in &measured {
            let mut full = line.clone();
            full.extend(OUTCOME_LABELS.iter().map(|l| cell(&outcome[*l])));
            full.extend(OUTCOME_CELLS.iter().map(|c| display(outcome, c)));
            for who in ["youngPerson", "practitioner"] {
                full.extend(RATING_CELLS.iter().map(|c| display(&outcome[who], c)));
            }
            out.write_record(&full)?;
        }
    }
    out.into_inner().map_err(|error| error.into_error().into())
}

/// The status an error of a report answers with.
fn status_of(code: &str) -> StatusCode {
    match code {
        "FORBIDDEN" => StatusCode::FORBIDDEN,
        "UNAUTHENTICATED" => StatusCode::UNAUTHORIZED,
        "INTERNAL" => StatusCode::INTERNAL_SERVER_ERROR,
        "SERVICE_UNAVAILABLE" => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    }
}

pub(super) async fn export(
    State(state): State<AppState>,
    Extension(RequestTrace(trace_id)): Extension<RequestTrace>,
    Path(file): Path<String>,
    Query(parameters): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let state = &state.0;
    let Some(export) = file
        .strip_suffix(".csv")
        .and_then(|name| EXPORTS.iter().find(|export| export.name == name))
    else {
        return answer(StatusCode::NOT_FOUND, &ApiError::NotFound);
    };
    let correlation = Correlation::from_headers(&headers, trace_id);
    let caller = match identify_any(state, bearer(&headers)).await {
        Ok(caller) => caller,
        Err(Refusal::Unauthenticated(reason)) => return unauthenticated(&reason),
        Err(Refusal::Unavailable(error)) => return unavailable(&error),
    };
    let _turn = match state.load.enter(&caller.load_key()).await {
        Ok(turn) => turn,
        Err(overload) => return overloaded(overload, state.load.retry_after_seconds()),
    };
    let variables = match variables(&parameters) {
        Ok(variables) => variables,
        Err(error) => return answer(StatusCode::BAD_REQUEST, &error),
    };
    let authority = match &caller {
        AnyCaller::Tenant(caller) => caller.principal.local_authority.as_str().to_owned(),
        AnyCaller::Aggregate(principal) => principal
            .local_authorities
            .iter()
            .map(|code| code.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    };
    let request = async_graphql::Request::new(query_of(export))
        .operation_name("Export")
        .variables(async_graphql::Variables::from_json(variables));
    let response = run_for(state, &correlation, &caller, request, None)
        .await
        .response;
    if let Some(error) = response.errors.first() {
        let code = error
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"))
            .map(|code| code.to_string().trim_matches('"').to_owned())
            .unwrap_or_default();
        let body = json!({ "errors": response.errors });
        return (status_of(&code), axum::Json(body)).into_response();
    }
    let data = response.data.into_json().unwrap_or(Value::Null);
    let report = &data["reports"][export.field];
    match write_csv(export, report, &authority) {
        Ok(bytes) => {
            let disposition = format!(
                "attachment; filename=\"{}-{}-{}.csv\"",
                export.name,
                cell(&report["from"]),
                cell(&report["to"])
            );
            let mut response = (StatusCode::OK, bytes).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(error) => {
            let error = ApiError::internal(&error);
            (StatusCode::INTERNAL_SERVER_ERROR, error_body(&error)).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_a_spreadsheet_would_run_is_quoted_and_numbers_are_not() {
        assert_eq!(cell(&json!("=HYPERLINK(\"x\")")), "'=HYPERLINK(\"x\")");
        assert_eq!(cell(&json!("+1+1")), "'+1+1");
        assert_eq!(cell(&json!("@SUM(A1)")), "'@SUM(A1)");
        assert_eq!(cell(&json!("-")), "'-");
        assert_eq!(cell(&json!("-1.5")), "-1.5");
        assert_eq!(cell(&json!("Being safe")), "Being safe");
        assert_eq!(cell(&json!(3)), "3");
        assert_eq!(cell(&Value::Null), "");
    }

    #[test]
    fn every_export_asks_for_its_report_s_cells() {
        let outcomes = query_of(&OUTCOMES);
        assert!(
            outcomes.contains("outcomes(from: $from, to: $to, groupBy: $groupBy, rules: $rules, roundTotals: $roundTotals)")
        );
        assert!(outcomes.contains("totalsRounded"));
        assert!(outcomes.contains("youngPerson { childrenWithChange { display }"));
        assert!(outcomes.contains("guardianThresholdDays"));
        let nrm = query_of(&NRM_TIMELINESS);
        assert!(nrm.contains("medianDaysWaitingForConclusive { display }"));
        assert!(!nrm.contains("youngPerson"));
    }

    #[test]
    fn parameters_are_the_report_s_arguments() {
        let parameters: HashMap<String, String> = [
            ("from", "2025-01-01"),
            ("to", "2025-12-31"),
            ("groupBy", "AGE_BAND, GENDER,"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(
            variables(&parameters).ok(),
            Some(
                json!({ "from": "2025-01-01", "to": "2025-12-31", "groupBy": ["AGE_BAND", "GENDER"], "rules": "DFE_2024", "roundTotals": false })
            )
        );
        let with = |round: &str| {
            let mut asked = parameters.clone();
            asked.insert("roundTotals".to_owned(), round.to_owned());
            variables(&asked).map(|v| v["roundTotals"].clone())
        };
        assert_eq!(with("true").ok(), Some(json!(true)));
        assert_eq!(with("false").ok(), Some(json!(false)));
        assert!(matches!(with("yes"), Err(ApiError::BadUserInput(_))));
    }
}
