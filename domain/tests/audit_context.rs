//! What an audit row takes from a request: a W3C trace id and a declared purpose, each refused
//! when malformed rather than recorded as sent.

use stable_futures_domain::audit::{Purpose, TraceId, MAX_PURPOSE_CHARS};

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00f067aa0ba902b7";

#[test]
fn a_traceparent_gives_its_trace_id_only_when_every_part_is_well_formed() {
    let header = |version: &str, trace: &str, parent: &str, flags: &str| {
        format!("{version}-{trace}-{parent}-{flags}")
    };
    assert_eq!(
        TraceId::from_traceparent(&header("00", TRACE, PARENT, "01"))
            .map(|t| t.as_str().to_owned()),
        Some(TRACE.to_owned())
    );
    // A later version may append fields; version 00 may not.
    assert!(
        TraceId::from_traceparent(&format!("{}-extra", header("01", TRACE, PARENT, "01")))
            .is_some()
    );
    assert!(
        TraceId::from_traceparent(&format!("{}-extra", header("00", TRACE, PARENT, "01")))
            .is_none()
    );
    for (version, trace, parent, flags) in [
        ("ff", TRACE, PARENT, "01"),
        ("000", TRACE, PARENT, "01"),
        ("0", TRACE, PARENT, "01"),
        ("zz", TRACE, PARENT, "01"),
        ("0A", TRACE, PARENT, "01"),
        ("00", TRACE, "00f067aa0ba902b", "01"),
        ("00", TRACE, "00f067aa0ba902bz", "01"),
        ("00", TRACE, "0000000000000000", "01"),
        ("00", TRACE, PARENT, "1"),
        ("00", TRACE, PARENT, "0g"),
        ("00", "00000000000000000000000000000000", PARENT, "01"),
    ] {
        assert!(
            TraceId::from_traceparent(&header(version, trace, parent, flags)).is_none(),
            "{version}-{trace}-{parent}-{flags}"
        );
    }
}

#[test]
fn a_purpose_is_kept_as_declared_within_its_bounds() {
    let purpose = Purpose::parse("  Weekly review  ")
        .expect("valid")
        .expect("given");
    assert_eq!(purpose.as_str(), "Weekly review");
    assert_eq!(Purpose::parse("   "), Ok(None));
    let longest = "a".repeat(MAX_PURPOSE_CHARS);
    assert_eq!(
        Purpose::parse(&longest)
            .expect("valid")
            .map(|p| p.as_str().len()),
        Some(MAX_PURPOSE_CHARS)
    );
    let error = Purpose::parse(&format!("{longest}a")).expect_err("too long");
    assert_eq!(
        error.to_string(),
        format!(
            "the declared purpose must be at most {MAX_PURPOSE_CHARS} printable ASCII characters"
        )
    );
    assert!(Purpose::parse("caf\u{e9}").is_err());
}
