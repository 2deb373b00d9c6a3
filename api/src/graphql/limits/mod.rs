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
    /// Most fields once every fragment is expanded where it is spread. Each field costs at
    /// least 1 of the complexity limit, so this is that limit: a document over it would be
    /// refused as too complex anyway, but only after the engine (and the cost model) expanded
    /// it — exponential work for a document of a few hundred bytes that spreads fragments into
    /// fragments many times over.
    pub max_expanded_fields: usize,
}

impl From<&LimitsConfig> for DocumentLimits {
    fn from(config: &LimitsConfig) -> Self {
        Self {
            max_aliases: config.max_aliases,
            max_root_fields: config.max_root_fields,
            max_directives: config.max_directives,
            max_fragment_nesting: config.max_fragment_nesting,
            max_expanded_fields: config.max_query_complexity,
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
    ExpandedFields(usize),
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
            LimitExceeded::ExpandedFields(max) => format!(
                "the document selects more than {max} fields once its fragments are expanded \
                 (the complexity limit)"
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
    check_expansion(document, limits.max_expanded_fields)?;
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

/// Every operation's fields, each fragment counted wherever it is spread, are at most `max`.
/// Each fragment is counted once (the nesting check has ruled out cycles and bounds the
/// recursion), so the check is linear in the document whatever it expands to.
fn check_expansion(document: &ExecutableDocument, max: usize) -> Result<(), LimitExceeded> {
    let mut counted: HashMap<&str, usize> = HashMap::new();
    let mut total = 0_usize;
    for (_, operation) in document.operations.iter() {
        total = total.saturating_add(expanded_fields(
            document,
            &operation.node.selection_set.node,
            &mut counted,
        ));
    }
    if total > max {
        return Err(LimitExceeded::ExpandedFields(max));
    }
    Ok(())
}

/// The fields `set` selects at every depth, fragments expanded (and counted once each).
fn expanded_fields<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    counted: &mut HashMap<&'a str, usize>,
) -> usize {
    let mut fields = 0_usize;
    let mut stack = vec![set];
    while let Some(set) = stack.pop() {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    fields = fields.saturating_add(1);
                    stack.push(&field.node.selection_set.node);
                }
                Selection::InlineFragment(inline) => stack.push(&inline.node.selection_set.node),
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let inner = match counted.get(name) {
                        Some(known) => *known,
                        None => {
                            let Some(fragment) = document.fragments.get(name) else {
                                continue;
                            };
                            let known = expanded_fields(
                                document,
                                &fragment.node.selection_set.node,
                                counted,
                            );
                            counted.insert(name, known);
                            known
                        }
                    };
                    fields = fields.saturating_add(inner);
                }
            }
        }
    }
    fields
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
mod tests;
