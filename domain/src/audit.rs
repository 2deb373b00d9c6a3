//! The audit trail: who read or changed which child's data, what kind of data, when, under which
//! trace and for which declared purpose. Rows are append-only; they never hold the values read or
//! written, nor a request's variables.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::documents::DocumentId;
use crate::ids::ChildId;

string_enum! {
    /// What an audited operation did.
    pub enum AuditAction {
        Read => "READ",
        Create => "CREATE",
        Update => "UPDATE",
        /// A step in a referral's lifecycle (a decision, reconsideration, withdrawal).
        Transition => "TRANSITION",
        /// A child and everything recorded about them erased.
        Erase => "ERASE",
        /// A step of a child's transfer between authorities (offered, accepted, declined,
        /// withdrawn), in both parties' trails.
        Transfer => "TRANSFER",
    }
}

string_enum! {
    /// Why a child's records were erased (kept in the audit trail; never free text).
    pub enum ErasureReason {
        /// The young person, or someone entitled to act for them, asked for erasure.
        ErasureRequest => "ERASURE_REQUEST",
        /// The record should never have been made (the wrong child, a test).
        RecordedInError => "RECORDED_IN_ERROR",
        /// The child was recorded twice; the other record is kept.
        DuplicateRecord => "DUPLICATE_RECORD",
        /// The local authority's retention period for the records ended.
        RetentionPeriodEnded => "RETENTION_PERIOD_ENDED",
    }
}

string_enum! {
    /// The kind of data an operation touched, coarse enough to say nothing about the values.
    pub enum FieldsClass {
        /// The child's record: local id, UPN, NHS number, date of birth, nationality and so on.
        Identifiers => "IDENTIFIERS",
        /// NRM referrals, their decisions and timelines.
        Referral => "REFERRAL",
        /// Independent guardian requests and assignments.
        Guardian => "GUARDIAN",
        /// Outcome measurements (ratings, indicators).
        Outcomes => "OUTCOMES",
        /// Free text: a young person's own words, practitioners' notes.
        SensitiveText => "SENSITIVE_TEXT",
        /// The audit trail itself.
        Audit => "AUDIT",
        /// An authority's settings (worklist thresholds): no child's data.
        Settings => "SETTINGS",
        /// Children's records read only in aggregate (a report), under disclosure control.
        Aggregate => "AGGREGATE",
        /// A transfer of a child between authorities: who moves where and why, and what the
        /// receiving authority is told before it accepts (age, whether records are open).
        Transfer => "TRANSFER",
    }
}

/// Longest operation name kept; longer ones are cut.
pub const MAX_OPERATION_CHARS: usize = 100;

/// Longest declared purpose accepted.
pub const MAX_PURPOSE_CHARS: usize = 200;

/// What every audit row of one request shares: the operation (its GraphQL operation name, or the
/// root field when it has none), the request's trace id and the caller's declared purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditContext {
    operation: String,
    pub trace_id: Option<TraceId>,
    pub purpose: Option<Purpose>,
    /// The trusted document the request sent (by id or by a registered text).
    pub document_id: Option<DocumentId>,
}

impl AuditContext {
    /// `operation` is cut to [`MAX_OPERATION_CHARS`]; an empty one is recorded as `anonymous`.
    pub fn new(operation: &str, trace_id: Option<TraceId>, purpose: Option<Purpose>) -> Self {
        let operation: String = operation.trim().chars().take(MAX_OPERATION_CHARS).collect();
        Self {
            operation: if operation.is_empty() {
                "anonymous".to_owned()
            } else {
                operation
            },
            trace_id,
            purpose,
            document_id: None,
        }
    }

    /// The same context, naming the trusted document the request sent.
    pub fn with_document(mut self, document_id: Option<DocumentId>) -> Self {
        self.document_id = document_id;
        self
    }

    pub fn operation(&self) -> &str {
        &self.operation
    }
}

/// A W3C trace id: 32 lower-case hex digits, not all zero.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TraceId(String);

impl TraceId {
    pub fn parse(text: &str) -> Option<Self> {
        let valid = text.len() == 32
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            && text.bytes().any(|b| b != b'0');
        valid.then(|| Self(text.to_owned()))
    }

    /// The trace id of a W3C `traceparent` header value (`version-traceid-parentid-flags`), if it
    /// is well formed. Version `ff` is invalid; later versions may append fields.
    pub fn from_traceparent(header: &str) -> Option<Self> {
        let header = header.trim();
        let mut parts = header.split('-');
        let version = parts.next()?;
        let trace_id = parts.next()?;
        let parent_id = parts.next()?;
        let flags = parts.next()?;
        let hex = |text: &str, len: usize| {
            text.len() == len
                && text
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        };
        if !hex(version, 2) || version == "ff" || !hex(parent_id, 16) || !hex(flags, 2) {
            return None;
        }
        if parent_id.bytes().all(|b| b == b'0') {
            return None;
        }
        if version == "00" && parts.next().is_some() {
            return None;
        }
        Self::parse(trace_id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A purpose the caller declares for a request (`X-Purpose`): 1 to 200 printable ASCII
/// characters. It is recorded as given, so it must not contain personal data; the API says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purpose(String);

impl Purpose {
    /// `Ok(None)` for an empty or blank purpose; an error for one that is too long or holds
    /// anything but printable ASCII.
    pub fn parse(text: &str) -> Result<Option<Self>, InvalidPurpose> {
        if text.len() > MAX_PURPOSE_CHARS || !text.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
            return Err(InvalidPurpose);
        }
        let text = text.trim();
        Ok((!text.is_empty()).then(|| Self(text.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A declared purpose that is too long or not printable ASCII.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidPurpose;

impl std::fmt::Display for InvalidPurpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the declared purpose must be at most {MAX_PURPOSE_CHARS} printable ASCII characters"
        )
    }
}

/// One stored audit row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// Increases with every row of the local authority's trail.
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    /// The token's subject.
    pub subject: String,
    pub client: Option<String>,
    /// `None` for operations on no particular child (reading the audit trail).
    pub child_id: Option<ChildId>,
    pub action: AuditAction,
    pub operation: String,
    pub fields_classes: BTreeSet<FieldsClass>,
    pub trace_id: Option<String>,
    pub purpose: Option<String>,
    /// The trusted document (`sha256:…`) the request sent, when it sent one.
    pub document_id: Option<String>,
    /// Set for `ERASE` rows only.
    pub erasure_reason: Option<ErasureReason>,
    /// The authority whose caller acted, when it is not the trail's own: the other party of a
    /// transfer (`TRANSFER` rows).
    pub acting_local_authority: Option<crate::local_authority::LocalAuthorityCode>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceparent_gives_its_trace_id() {
        let id =
            TraceId::from_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assert_eq!(
            id.as_ref().map(TraceId::as_str),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
        // A later version may add fields.
        assert!(TraceId::from_traceparent(
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"
        )
        .is_some());
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            // One part wrong at a time: the version, the parent id, the flags; by length or
            // by a digit that is not hex.
            "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "000-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bz-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x",
        ] {
            assert_eq!(TraceId::from_traceparent(bad), None, "{bad}");
        }
    }

    #[test]
    fn purpose_is_printable_ascii_up_to_200_characters() {
        assert_eq!(
            Purpose::parse("Section 47 enquiry").map(|p| p.map(|p| p.0)),
            Ok(Some("Section 47 enquiry".to_owned()))
        );
        assert_eq!(Purpose::parse("  "), Ok(None));
        assert!(Purpose::parse(&"x".repeat(200)).is_ok());
        assert!(Purpose::parse(&"x".repeat(201)).is_err());
        assert_eq!(
            Purpose::parse(" Section 47 enquiry ")
                .ok()
                .flatten()
                .as_ref()
                .map(Purpose::as_str),
            Some("Section 47 enquiry")
        );
        assert!(InvalidPurpose.to_string().contains("200 printable ASCII"));
        assert!(Purpose::parse("tab\there").is_err());
        assert!(Purpose::parse("caf\u{e9}").is_err());
    }

    #[test]
    fn operation_names_are_cut_to_100_characters() {
        let context = AuditContext::new(&"A".repeat(150), None, None);
        assert_eq!(context.operation().len(), 100);
        assert_eq!(AuditContext::new("", None, None).operation(), "anonymous");
    }
}
