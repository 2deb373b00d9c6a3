//! Idempotency keys of create mutations: the key from the input, and a fingerprint of the input
//! as resolved (variables substituted), so a retry is recognised whichever way it is written.

use async_graphql::Context;
use sha2::{Digest, Sha256};
use stable_futures_domain::idempotency::{IdempotencyKey, IdempotentRequest};
use stable_futures_domain::FieldErrors;

/// The input argument's field that carries the key (left out of the fingerprint).
const KEY_FIELD: &str = "idempotencyKey";

/// The idempotent request of the create being resolved, if its input carries a key. A malformed
/// key is the input's problem (a `userErrors` entry).
pub fn request(
    ctx: &Context<'_>,
    operation: &'static str,
    key: Option<&str>,
) -> Result<Option<IdempotentRequest>, FieldErrors> {
    let Some(key) = key else {
        return Ok(None);
    };
    let key = IdempotencyKey::parse(key)?;
    let input = ctx
        .field()
        .arguments()
        .ok()
        .and_then(|arguments| {
            arguments
                .into_iter()
                .find(|(name, _)| name.as_str() == "input")
                .map(|(_, value)| value)
        })
        .and_then(|value| value.into_json().ok())
        .unwrap_or_default();
    Ok(Some(IdempotentRequest {
        key,
        operation,
        fingerprint: fingerprint(input),
    }))
}

/// SHA-256 of the input in a canonical form: object keys sorted, null fields and the key itself
/// left out (a field sent as `null` and a field not sent are the same input).
fn fingerprint(mut input: serde_json::Value) -> String {
    if let serde_json::Value::Object(fields) = &mut input {
        fields.remove(KEY_FIELD);
    }
    let mut canonical = String::new();
    write_canonical(&input, &mut canonical);
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

fn write_canonical(value: &serde_json::Value, out: &mut String) {
    match value {
        serde_json::Value::Object(fields) => {
            let mut present: Vec<_> = fields.iter().filter(|(_, v)| !v.is_null()).collect();
            present.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (index, (name, field)) in present.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String(name.clone()).to_string());
                out.push(':');
                write_canonical(field, out);
            }
            out.push('}');
        }
        serde_json::Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::fingerprint;
    use serde_json::json;

    #[test]
    fn the_same_input_in_another_order_or_with_nulls_left_out_has_one_fingerprint() {
        let sent = json!({ "childId": "Q2", "idempotencyKey": "k1", "answer": { "b": 2, "a": [1, {"y": null, "x": "é"}] }, "note": null });
        let again = json!({ "answer": { "a": [1, {"x": "é"}], "b": 2 }, "childId": "Q2", "idempotencyKey": "other" });
        assert_eq!(fingerprint(sent.clone()), fingerprint(again));
        assert_eq!(fingerprint(sent.clone()).len(), 64);
        let changed = json!({ "childId": "Q2", "answer": { "b": 3, "a": [1, {"x": "é"}] } });
        assert_ne!(fingerprint(sent.clone()), fingerprint(changed));
        // List order is part of the input.
        let reordered = json!({ "childId": "Q2", "answer": { "b": 2, "a": [{"x": "é"}, 1] } });
        assert_ne!(fingerprint(sent), fingerprint(reordered));
    }
}
