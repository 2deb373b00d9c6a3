//! What the HTTP request says about its correlation: the caller's trace and declared purpose.

use axum::http::HeaderMap;
use stable_futures_domain::audit::{InvalidPurpose, Purpose, TraceId};
use stable_futures_persistence::WalPosition;

/// The header a caller declares the purpose of a request in.
pub const PURPOSE_HEADER: &str = "x-purpose";

/// The header a caller sends a write's consistency token back in, so that its read shows the
/// write (and the header the write's answer carries it in).
pub const CONSISTENCY_HEADER: &str = "x-consistency-token";

/// Which data a query may read: a standby may lag behind the primary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReadAfter {
    /// Whatever a standby has (it may lag a little).
    #[default]
    Anything,
    /// At least the write whose consistency token the caller sent.
    Write(WalPosition),
    /// The caller sent a token that is not one: read from the primary, which has everything.
    Everything,
}

/// The W3C trace context header.
pub const TRACEPARENT_HEADER: &str = "traceparent";

/// What the HTTP request says about its correlation: the incoming trace id and the declared
/// purpose. (A `purpose` token claim could be read here too once tokens carry one.)
#[derive(Debug, Clone)]
pub struct Correlation {
    pub trace_id: Option<TraceId>,
    pub purpose: Result<Option<Purpose>, InvalidPurpose>,
    pub read_after: ReadAfter,
}

impl Default for Correlation {
    /// No trace id (the server makes one) and no declared purpose.
    fn default() -> Self {
        Self {
            trace_id: None,
            purpose: Ok(None),
            read_after: ReadAfter::Anything,
        }
    }
}

impl Correlation {
    /// The request's trace id (its server span's, see `telemetry::http`, which honours the
    /// caller's `traceparent`) and `X-Purpose` (a malformed one refuses the operation; more than
    /// one is malformed).
    pub fn from_headers(headers: &HeaderMap, trace_id: TraceId) -> Self {
        let trace_id = Some(trace_id);
        let mut purposes = headers.get_all(PURPOSE_HEADER).iter();
        let purpose = match (purposes.next(), purposes.next()) {
            (None, _) => Ok(None),
            (Some(value), None) => value
                .to_str()
                .map_err(|_| InvalidPurpose)
                .and_then(Purpose::parse),
            (Some(_), Some(_)) => Err(InvalidPurpose),
        };
        let read_after = match headers.get(CONSISTENCY_HEADER) {
            None => ReadAfter::Anything,
            Some(token) => token
                .to_str()
                .ok()
                .and_then(WalPosition::parse)
                .map_or(ReadAfter::Everything, ReadAfter::Write),
        };
        Self {
            trace_id,
            purpose,
            read_after,
        }
    }
}

/// A new trace id, for requests that arrive without one.
pub fn new_trace_id() -> TraceId {
    let text = uuid::Uuid::new_v4().simple().to_string();
    // 32 lower-case hex digits with a fixed version digit: never all zero.
    TraceId::parse(&text).unwrap_or_else(|| unreachable!("a v4 uuid is a valid trace id"))
}
