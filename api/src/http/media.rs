//! The media type of a GraphQL answer, from the request's `Accept` (the GraphQL-over-HTTP
//! specification).
//!
//! `application/graphql-response+json` is the specification's own type, which current clients
//! ask for first: with it, an answer that is a request error (the body is not a GraphQL request,
//! or the document does not parse or validate, so nothing ran) has status 400 and no `data`
//! entry. `application/json` is the legacy type every client accepts: its answers are 200 with
//! `errors`, as clients written before the specification expect. `*/*`, `application/*` and no
//! `Accept` at all mean `application/json`.

use axum::http::{header, HeaderMap};

/// How an answer is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResponseMedia {
    GraphqlResponseJson,
    Json,
}

pub(crate) const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json; charset=utf-8";

impl ResponseMedia {
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            ResponseMedia::GraphqlResponseJson => GRAPHQL_RESPONSE_JSON,
            ResponseMedia::Json => "application/json",
        }
    }
}

/// The media type to answer with, or `None` when the caller accepts neither (406).
///
/// The highest `q` wins; between equal ones, the specification's type. A range with `q=0` is
/// refused, as RFC 9110 says.
pub(crate) fn negotiate(headers: &HeaderMap) -> Option<ResponseMedia> {
    let ranges: Vec<&str> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|range| !range.is_empty())
        .collect();
    if ranges.is_empty() {
        return Some(ResponseMedia::Json);
    }
    let mut best: Option<(f32, ResponseMedia)> = None;
    for range in ranges {
        let Ok(mime) = range.parse::<mime::Mime>() else {
            continue;
        };
        let quality = mime
            .get_param("q")
            .and_then(|q| q.as_str().parse::<f32>().ok())
            .unwrap_or(1.0);
        if quality <= 0.0 {
            continue;
        }
        // The essence is the type and subtype with its suffix (`graphql-response+json`),
        // lower-cased, without parameters.
        let media = match mime.essence_str() {
            "application/graphql-response+json" => ResponseMedia::GraphqlResponseJson,
            "application/json" | "application/*" | "*/*" => ResponseMedia::Json,
            _ => continue,
        };
        let better = match best {
            None => true,
            Some((q, _)) => {
                quality > q || (quality == q && media == ResponseMedia::GraphqlResponseJson)
            }
        };
        if better {
            best = Some((quality, media));
        }
    }
    best.map(|(_, media)| media)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(values: &[&str]) -> Option<ResponseMedia> {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(
                header::ACCEPT,
                HeaderValue::from_str(value).expect("header"),
            );
        }
        negotiate(&headers)
    }

    #[test]
    fn the_specifications_type_when_asked_for() {
        use ResponseMedia::*;
        assert_eq!(
            accept(&["application/graphql-response+json"]),
            Some(GraphqlResponseJson)
        );
        assert_eq!(
            accept(&["application/graphql-response+json, application/json;q=0.9"]),
            Some(GraphqlResponseJson)
        );
        // Equal preference: the specification's type, wherever it is listed.
        assert_eq!(
            accept(&["application/json, application/graphql-response+json"]),
            Some(GraphqlResponseJson)
        );
        assert_eq!(
            accept(&["application/graphql-response+json, application/json"]),
            Some(GraphqlResponseJson)
        );
        // Split over two headers.
        assert_eq!(
            accept(&[
                "text/html",
                "application/graphql-response+json;charset=utf-8"
            ]),
            Some(GraphqlResponseJson)
        );
    }

    #[test]
    fn json_for_legacy_clients_wildcards_and_no_accept() {
        use ResponseMedia::*;
        assert_eq!(accept(&[]), Some(Json));
        assert_eq!(accept(&["application/json"]), Some(Json));
        assert_eq!(accept(&["*/*"]), Some(Json));
        assert_eq!(accept(&["application/*"]), Some(Json));
        assert_eq!(
            accept(&["application/graphql-response+json;q=0.5, application/json"]),
            Some(Json)
        );
        assert_eq!(
            accept(&["application/graphql-response+json;q=0, */*"]),
            Some(Json)
        );
        // Less preferred, wherever it is listed.
        assert_eq!(
            accept(&["application/json, application/graphql-response+json;q=0.5"]),
            Some(Json)
        );
    }

    #[test]
    fn each_media_type_names_itself() {
        assert_eq!(
            ResponseMedia::GraphqlResponseJson.content_type(),
            "application/graphql-response+json; charset=utf-8"
        );
        assert_eq!(ResponseMedia::Json.content_type(), "application/json");
    }

    #[test]
    fn nothing_acceptable() {
        assert_eq!(accept(&["text/html"]), None);
        assert_eq!(accept(&["application/xml, text/plain;q=0.5"]), None);
        assert_eq!(accept(&["application/json;q=0"]), None);
        assert_eq!(accept(&["not a media type"]), None);
    }
}
