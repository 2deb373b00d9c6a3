//! Limits on one GraphQL document, checked after parsing and before validation and execution:
//! aliases and directives per document, root fields per operation and the nesting of fragment
//! spreads. The document's size is checked before parsing (see `http.rs`); depth and complexity
//! are the engine's (`build_schema`).
//!
//! Every count here is linear in the size of the document: fragments are summarised once each,
//! never expanded per use, so a document that spreads fragments into fragments cannot make the
//! check itself expensive. Selection sets are walked with an explicit stack, not recursion.
//!
//! Why not the engine's `limit_recursive_depth`: it counts every nested selection set (fields,
//! inline fragments and spreads alike), so at 10 it would refuse GraphiQL's own schema query; its
//! default (32) stays on as a backstop for nesting. `limit_directives` counts per field only.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::Positioned;

use crate::config::LimitsConfig;

/// The limits a document must keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentLimits {
    pub max_aliases: usize,
    pub max_root_fields: usize,
    pub max_directives: usize,
    pub max_fragment_nesting: usize,
}

impl From<&LimitsConfig> for DocumentLimits {
    fn from(config: &LimitsConfig) -> Self {
        Self {
            max_aliases: config.max_aliases,
            max_root_fields: config.max_root_fields,
            max_directives: config.max_directives,
            max_fragment_nesting: config.max_fragment_nesting,
        }
    }
}

/// Which limit a document broke. The message names the limit and never quotes the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitExceeded {
    DocumentSize(usize),
    Aliases(usize),
    RootFields(usize),
    Directives(usize),
    FragmentNesting(usize),
}

impl LimitExceeded {
    pub fn message(&self) -> String {
        match self {
            LimitExceeded::DocumentSize(max) => {
                format!("the document is larger than the limit of {max} bytes")
            }
            LimitExceeded::Aliases(max) => {
                format!("the document has more aliases than the limit of {max}")
            }
            LimitExceeded::RootFields(max) => {
                format!("an operation has more root fields than the limit of {max}")
            }
            LimitExceeded::Directives(max) => {
                format!("the document has more directives than the limit of {max}")
            }
            LimitExceeded::FragmentNesting(max) => format!(
                "fragment spreads are nested deeper than the limit of {max} (or form a cycle)"
            ),
        }
    }
}

/// What the check learnt about a document that keeps the limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DocumentFacts {
    /// Some operation asks for `__schema` or `__type` (`__typename` is not introspection).
    pub introspection: bool,
}

/// Checks `document` against `limits`.
pub fn check(
    document: &ExecutableDocument,
    limits: &DocumentLimits,
) -> Result<DocumentFacts, LimitExceeded> {
    count_aliases_and_directives(document, limits)?;
    check_fragment_nesting(document, limits.max_fragment_nesting)?;
    let mut summaries = HashMap::new();
    let mut facts = DocumentFacts::default();
    for (_, operation) in document.operations.iter() {
        let root = summarise_root(document, &operation.node.selection_set, &mut summaries);
        if root.fields > limits.max_root_fields {
            return Err(LimitExceeded::RootFields(limits.max_root_fields));
        }
        facts.introspection |= root.introspection;
    }
    Ok(facts)
}

/// Every selection set of the document, each once (operations and fragment definitions).
fn all_selection_sets(document: &ExecutableDocument) -> impl Iterator<Item = &SelectionSet> {
    document
        .operations
        .iter()
        .map(|(_, operation)| &operation.node.selection_set.node)
        .chain(
            document
                .fragments
                .values()
                .map(|fragment| &fragment.node.selection_set.node),
        )
}

fn count_aliases_and_directives(
    document: &ExecutableDocument,
    limits: &DocumentLimits,
) -> Result<(), LimitExceeded> {
    let mut aliases = 0_usize;
    let mut directives = 0_usize;
    for (_, operation) in document.operations.iter() {
        directives += operation.node.directives.len();
        for variable in &operation.node.variable_definitions {
            directives += variable.node.directives.len();
        }
    }
    for fragment in document.fragments.values() {
        directives += fragment.node.directives.len();
    }
    let mut stack: Vec<&SelectionSet> = all_selection_sets(document).collect();
    while let Some(set) = stack.pop() {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    aliases += usize::from(field.node.alias.is_some());
                    directives += field.node.directives.len();
                    stack.push(&field.node.selection_set.node);
                }
                Selection::FragmentSpread(spread) => directives += spread.node.directives.len(),
                Selection::InlineFragment(inline) => {
                    directives += inline.node.directives.len();
                    stack.push(&inline.node.selection_set.node);
                }
            }
        }
        if aliases > limits.max_aliases {
            return Err(LimitExceeded::Aliases(limits.max_aliases));
        }
        if directives > limits.max_directives {
            return Err(LimitExceeded::Directives(limits.max_directives));
        }
    }
    if directives > limits.max_directives {
        return Err(LimitExceeded::Directives(limits.max_directives));
    }
    Ok(())
}

/// The names of the fragments spread anywhere inside `set` (at any depth), each once.
fn spreads_in(set: &SelectionSet) -> Vec<&str> {
    let mut names = Vec::new();
    let mut seen = HashSet::new();
    let mut stack = vec![set];
    while let Some(set) = stack.pop() {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => stack.push(&field.node.selection_set.node),
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if seen.insert(name) {
                        names.push(name);
                    }
                }
                Selection::InlineFragment(inline) => stack.push(&inline.node.selection_set.node),
            }
        }
    }
    names
}

/// The longest chain of fragment spreads from any operation is at most `max`; a cycle counts as
/// endless. Each fragment is measured once; recursion is at most `max + 1` deep.
fn check_fragment_nesting(document: &ExecutableDocument, max: usize) -> Result<(), LimitExceeded> {
    let spreads: HashMap<&str, Vec<&str>> = document
        .fragments
        .iter()
        .map(|(name, fragment)| (name.as_str(), spreads_in(&fragment.node.selection_set.node)))
        .collect();
    let mut measured: HashMap<&str, usize> = HashMap::new();
    let mut open: HashSet<&str> = HashSet::new();
    for (_, operation) in document.operations.iter() {
        for name in spreads_in(&operation.node.selection_set.node) {
            nesting(name, 1, max, &spreads, &mut measured, &mut open)?;
        }
    }
    Ok(())
}

/// How many fragments deep a spread of `name` reaches (1 for a fragment spreading none), when
/// reached at `depth`.
fn nesting<'a>(
    name: &'a str,
    depth: usize,
    max: usize,
    spreads: &HashMap<&'a str, Vec<&'a str>>,
    measured: &mut HashMap<&'a str, usize>,
    open: &mut HashSet<&'a str>,
) -> Result<usize, LimitExceeded> {
    let over = LimitExceeded::FragmentNesting(max);
    if depth > max {
        return Err(over);
    }
    if let Some(&known) = measured.get(name) {
        return if depth - 1 + known > max {
            Err(over)
        } else {
            Ok(known)
        };
    }
    // A spread of an unknown fragment is for validation to refuse.
    let Some(inner) = spreads.get(name) else {
        return Ok(1);
    };
    if !open.insert(name) {
        return Err(over);
    }
    let mut deepest = 0;
    for next in inner {
        deepest = deepest.max(nesting(next, depth + 1, max, spreads, measured, open)?);
    }
    open.remove(name);
    measured.insert(name, deepest + 1);
    Ok(deepest + 1)
}

#[derive(Debug, Clone, Copy, Default)]
struct RootSummary {
    fields: usize,
    introspection: bool,
}

/// The fields `set` selects at its own level, through inline fragments and fragment spreads.
/// Fragments are summarised once each (the nesting check has ruled out cycles and bounds the
/// recursion).
fn summarise_root<'a>(
    document: &'a ExecutableDocument,
    set: &'a Positioned<SelectionSet>,
    summaries: &mut HashMap<&'a str, RootSummary>,
) -> RootSummary {
    let mut summary = RootSummary::default();
    let mut stack = vec![&set.node];
    while let Some(set) = stack.pop() {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    summary.fields = summary.fields.saturating_add(1);
                    let name = field.node.name.node.as_str();
                    summary.introspection |= name == "__schema" || name == "__type";
                }
                Selection::InlineFragment(inline) => stack.push(&inline.node.selection_set.node),
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let inner = match summaries.get(name) {
                        Some(known) => *known,
                        None => {
                            let Some(fragment) = document.fragments.get(name) else {
                                continue;
                            };
                            let known =
                                summarise_root(document, &fragment.node.selection_set, summaries);
                            summaries.insert(name, known);
                            known
                        }
                    };
                    summary.fields = summary.fields.saturating_add(inner.fields);
                    summary.introspection |= inner.introspection;
                }
            }
        }
    }
    summary
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    const LIMITS: DocumentLimits = DocumentLimits {
        max_aliases: 30,
        max_root_fields: 10,
        max_directives: 20,
        max_fragment_nesting: 10,
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
        Cli::try_parse_from(std::iter::once("serve").chain(args.iter().copied()))
            .map(|cli| cli.limits)
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
}
