//! The development GraphiQL page and its assets.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// GraphiQL's assets, served from the binary: local-authority networks are often offline or
/// forbid CDNs. Versions in `api/assets/graphiql/VERSIONS`.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "init.js",
        "text/javascript",
        include_bytes!("../../assets/graphiql/init.js"),
    ),
    (
        "style.css",
        "text/css",
        include_bytes!("../../assets/graphiql/style.css"),
    ),
    (
        "graphiql.min.js",
        "text/javascript",
        include_bytes!("../../assets/graphiql/graphiql.min.js"),
    ),
    (
        "graphiql.min.css",
        "text/css",
        include_bytes!("../../assets/graphiql/graphiql.min.css"),
    ),
    (
        "react.production.min.js",
        "text/javascript",
        include_bytes!("../../assets/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        "text/javascript",
        include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
    ),
];

// GraphiQL's stylesheet carries its fonts inline as `data:` URLs.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

fn with_security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

pub(super) async fn page() -> Response {
    let page = include_str!("../../assets/graphiql/index.html");
    with_security_headers(
        ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response(),
    )
}

pub(super) async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, bytes)) => with_security_headers(
            (
                [
                    (header::CONTENT_TYPE, *content_type),
                    (header::CACHE_CONTROL, "public, max-age=3600"),
                ],
                *bytes,
            )
                .into_response(),
        ),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    /// The operations of the README's "A worked example", as its ```graphql block holds them.
    /// (Read at run time: the README is not part of the container's build context.)
    fn readme_example() -> Vec<String> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
        let readme = std::fs::read_to_string(&path).expect("the README");
        let section = &readme[readme
            .find("## A worked example")
            .expect("the README has its worked example")..];
        let block = &section[section.find("```graphql\n").expect("a graphql block") + 11..];
        let block = &block[..block.find("```").expect("the block ends")];
        block.trim_end().lines().map(str::to_owned).collect()
    }

    #[test]
    fn graphiqls_third_tab_is_the_readmes_worked_example_line_for_line() {
        let init = include_str!("../../assets/graphiql/init.js");
        let tab = &init[init.find("var WORKED_EXAMPLE = [").expect("the tab")..];
        let tab = &tab[..tab.find("].join").expect("the tab's end")];
        // The tab's lines, as the JSON strings they are written as.
        let lines: Vec<String> = tab
            .lines()
            .skip(1)
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(|line| {
                serde_json::from_str::<String>(line.trim_end_matches(','))
                    .unwrap_or_else(|_| panic!("not a JSON string: {line}"))
            })
            .collect();
        let example = readme_example();
        assert!(example.len() > 50, "the worked example is there");
        // After its comment lines (and a blank one), exactly the README's block.
        let body: Vec<String> = lines
            .into_iter()
            .skip_while(|line| line.starts_with('#'))
            .skip_while(String::is_empty)
            .collect();
        let body = body.strip_suffix(&[String::new()]).unwrap_or(&body);
        assert_eq!(body, example.as_slice());
        assert!(
            init.contains("{ query: WORKED_EXAMPLE }"),
            "it is a default tab"
        );
    }
}
