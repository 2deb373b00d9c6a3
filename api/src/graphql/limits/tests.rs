use async_graphql::parser::parse_query;

use super::*;

const LIMITS: DocumentLimits = DocumentLimits {
    max_aliases: 30,
    max_root_fields: 10,
    max_directives: 20,
    max_fragment_nesting: 10,
    max_expanded_fields: 20_000,
};

fn checked(query: &str) -> Result<DocumentFacts, LimitExceeded> {
    check(&parse_query(query).expect("parses"), &LIMITS)
}

fn aliases(n: usize) -> String {
    let fields: String = (0..n).map(|i| format!("a{i}: subject ")).collect();
    format!("{{ viewer {{ {fields} }} }}")
}

#[test]
fn aliases_are_counted_across_the_document() {
    assert!(checked(&aliases(30)).is_ok());
    assert_eq!(checked(&aliases(31)), Err(LimitExceeded::Aliases(30)));
    // Spread over an operation and a fragment.
    let split = format!(
        "query {{ viewer {{ ...F {} }} }} fragment F on Viewer {{ {} }}",
        (0..16)
            .map(|i| format!("a{i}: subject "))
            .collect::<String>(),
        (0..15)
            .map(|i| format!("b{i}: subject "))
            .collect::<String>(),
    );
    assert_eq!(checked(&split), Err(LimitExceeded::Aliases(30)));
}

#[test]
fn root_fields_count_through_fragments() {
    let fields = |n: usize| (0..n).map(|_| "viewer { subject } ").collect::<String>();
    assert!(checked(&format!("{{ {} }}", fields(10))).is_ok());
    assert_eq!(
        checked(&format!("{{ {} }}", fields(11))),
        Err(LimitExceeded::RootFields(10))
    );
    let through_fragments = format!(
        "{{ ...A ... on Query {{ {} }} }} fragment A on Query {{ ...B {} }} fragment B on Query {{ {} }}",
        fields(4),
        fields(4),
        fields(3)
    );
    assert_eq!(
        checked(&through_fragments),
        Err(LimitExceeded::RootFields(10))
    );
    // Nested fields are not root fields.
    assert!(checked("{ viewer { a: subject b: subject c: subject d: subject e: subject f: subject g: subject h: subject i: subject j: subject k: subject } }").is_ok());
}

#[test]
fn directives_are_counted_everywhere() {
    let on_fields = |n: usize| format!("{{ viewer {{ subject {} }} }}", "@a ".repeat(n));
    assert!(checked(&on_fields(20)).is_ok());
    assert_eq!(checked(&on_fields(21)), Err(LimitExceeded::Directives(20)));
    // One on each place a directive may stand: with 15 more on a field that is 20.
    let everywhere = |n: usize| {
        format!(
            "query Q($x: Int @a) @b {{ ... @c {{ ...F @d }} viewer {{ subject {} }} }} fragment F on Query @e {{ viewer {{ subject }} }}",
            "@f ".repeat(n)
        )
    };
    assert!(checked(&everywhere(15)).is_ok());
    assert_eq!(checked(&everywhere(16)), Err(LimitExceeded::Directives(20)));
}

fn chain(n: usize) -> String {
    let mut query = String::from("query Main { ...F1 }");
    for i in 1..n {
        query.push_str(&format!(" fragment F{i} on Query {{ ...F{} }}", i + 1));
    }
    query.push_str(&format!(
        " fragment F{n} on Query {{ viewer {{ subject }} }}"
    ));
    query
}

#[test]
fn fragment_nesting_is_limited_and_cycles_refused() {
    assert!(checked(&chain(10)).is_ok());
    assert_eq!(checked(&chain(11)), Err(LimitExceeded::FragmentNesting(10)));
    assert_eq!(
        checked("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"),
        Err(LimitExceeded::FragmentNesting(10))
    );
    assert_eq!(
        checked("{ ...A } fragment A on Query { viewer { ...A } }"),
        Err(LimitExceeded::FragmentNesting(10))
    );
    // A fragment measured once is checked again where it is reached deeper.
    let mut late = chain(9);
    late.push_str(
        " query Other { ...G1 } fragment G1 on Query { ...G2 } fragment G2 on Query { ...F1 }",
    );
    assert_eq!(checked(&late), Err(LimitExceeded::FragmentNesting(10)));
}

#[test]
fn fan_out_of_fragments_is_checked_without_expanding_them() {
    // Each fragment spreads the next one twenty times: expanding would visit 20^9 spreads.
    let mut query = String::from("{ ...F1 }");
    for i in 1..10 {
        let spreads = format!("...F{} ", i + 1).repeat(20);
        query.push_str(&format!(" fragment F{i} on Query {{ {spreads} }}"));
    }
    query.push_str(" fragment F10 on Query { __typename }");
    let limits = DocumentLimits {
        max_root_fields: usize::MAX - 1,
        max_expanded_fields: usize::MAX - 1,
        ..LIMITS
    };
    let started = std::time::Instant::now();
    let result = check(&parse_query(&query).expect("parses"), &limits);
    assert!(result.is_ok(), "{result:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    // With the default root-field limit, the expanded count is refused.
    assert_eq!(checked(&query), Err(LimitExceeded::RootFields(10)));
}

#[test]
fn introspection_is_recognised_at_the_root_only() {
    for query in [
        "{ __schema { types { name } } }",
        "{ __type(name: \"Child\") { name } }",
        "{ ... on Query { __schema { queryType { name } } } }",
        "{ ...I } fragment I on Query { __schema { queryType { name } } }",
        "query A { viewer { subject } } query B { __schema { queryType { name } } }",
    ] {
        assert!(
            checked(query).expect("within limits").introspection,
            "{query}"
        );
    }
    for query in [
        "{ __typename viewer { __typename subject } }",
        "{ viewer { subject } }",
    ] {
        assert!(
            !checked(query).expect("within limits").introspection,
            "{query}"
        );
    }
}

#[derive(Debug, clap::Parser)]
struct Cli {
    #[command(flatten)]
    limits: LimitsConfig,
}

fn parse_limits(args: &[&str]) -> Result<LimitsConfig, clap::Error> {
    use clap::Parser as _;
    Cli::try_parse_from(std::iter::once("serve").chain(args.iter().copied())).map(|cli| cli.limits)
}

#[test]
fn command_line_defaults_are_the_documented_defaults() {
    let parsed = parse_limits(&[]).expect("defaults");
    let default = LimitsConfig::default();
    assert_eq!(
        format!("{parsed:?}"),
        format!("{default:?}"),
        "clap defaults and LimitsConfig::default() differ"
    );
    assert_eq!(
        DocumentLimits::from(&default),
        DocumentLimits {
            max_aliases: 30,
            max_root_fields: 10,
            max_directives: 20,
            max_fragment_nesting: 10,
            max_expanded_fields: 20_000,
        }
    );
    assert_eq!(default.max_document_bytes, 32 * 1024);
    assert_eq!(default.max_batch, 0);
    assert!(default.cors_allowed_origins.is_empty());
}

#[test]
fn cors_origins_are_a_comma_separated_list_of_exact_origins() {
    let limits = parse_limits(&[
        "--cors-allowed-origins",
        "https://case.example.gov.uk, http://localhost:3000",
    ])
    .expect("origins");
    assert_eq!(
        limits.cors_allowed_origins,
        vec!["https://case.example.gov.uk", "http://localhost:3000"]
    );
    for bad in [
        "*",
        "https://case.example.gov.uk/",
        "https://case.example.gov.uk/path",
        "case.example.gov.uk",
        "https://*.example.gov.uk",
        "ftp://case.example.gov.uk",
        "https://",
    ] {
        assert!(
            parse_limits(&["--cors-allowed-origins", bad]).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn messages_name_the_limit_and_nothing_else() {
    assert_eq!(
        LimitExceeded::Aliases(30).message(),
        "the document has more aliases than the limit of 30"
    );
    assert!(LimitExceeded::DocumentSize(32768)
        .message()
        .contains("32768 bytes"));
}

#[test]
fn a_deeply_nested_document_at_the_size_limit_is_parsed_without_overflowing_the_stack() {
    // As on a server worker thread (2 MiB stack).
    let handle = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(|| {
            let depth = 32 * 1024 / 4;
            let query = format!("{}{}", "{ a ".repeat(depth), "}".repeat(depth));
            assert!(query.len() <= 40 * 1024);
            if let Ok(document) = parse_query(&query) {
                let _ = check(&document, &LIMITS);
            }
            let list = format!(
                "{{ a(x: {}1{}) }}",
                "[".repeat(16 * 1024),
                "]".repeat(16 * 1024)
            );
            if let Ok(document) = parse_query(&list) {
                let _ = check(&document, &LIMITS);
            }
        })
        .expect("thread");
    handle.join().expect("no overflow");
}

#[test]
fn fragments_spread_many_times_over_are_counted_expanded_in_linear_time() {
    // 889 bytes that expand to 810,000 fields: 30 spreads of a fragment of 30 spreads, five deep.
    let fan_out = |fan: usize, levels: usize| {
        let mut document = String::from("query { viewer { ...F0 } }");
        for level in 0..levels {
            let body: String = if level + 1 == levels {
                "subject ".to_owned()
            } else {
                (0..fan).map(|_| format!("...F{} ", level + 1)).collect()
            };
            document.push_str(&format!(" fragment F{level} on Viewer {{ {body} }}"));
        }
        document
    };
    let limits = DocumentLimits {
        max_expanded_fields: 1_000,
        ..LIMITS
    };
    let checked = |document: &str| check(&parse_query(document).expect("parses"), &limits);
    assert_eq!(
        checked(&fan_out(30, 5)),
        Err(LimitExceeded::ExpandedFields(1_000))
    );
    // viewer + 30 × 30 × subject = 901: within; 10 more spreads of the last level are over.
    assert!(checked(&fan_out(30, 3)).is_ok());
    let wider = fan_out(30, 3).replace("{ ...F1 ", &format!("{{ {}", "...F1 ".repeat(5)));
    // viewer + 34 × 30 = 1,021.
    assert_eq!(checked(&wider), Err(LimitExceeded::ExpandedFields(1_000)));
    // Exactly at the limit: 1 + 999.
    let at_limit = format!(
        "query One {{ viewer {{ ...F }} }} fragment F on Viewer {{ {} }}",
        "subject ".repeat(999)
    );
    assert!(checked(&at_limit).is_ok());
    assert_eq!(
        checked(&at_limit.replace("{ subject", "{ subject subject")),
        Err(LimitExceeded::ExpandedFields(1_000))
    );
    // Every operation of the document counts, and fields nested in fields.
    assert_eq!(
        checked(&format!("{at_limit} query Two {{ viewer {{ subject }} }}")),
        Err(LimitExceeded::ExpandedFields(1_000))
    );
}
