//! The operation's document as traces may show it: its shape, without the values a caller wrote
//! into it. Variables are never shown at all; literals are replaced — strings by `""`, numbers by
//! `0`, lists by `[]`, objects by `{}` — because a caller may write a child's details inline
//! instead of in variables. Comments go too (the printer drops them). Enum values, booleans and
//! `null` stay: they come from the schema, not from the caller.

use graphql_parser::query::{
    Definition, Directive, Document, OperationDefinition, Selection, SelectionSet, Value,
};

type Text<'a> = &'a str;

/// The document with its literal values blanked, or `None` if it does not parse (the engine
/// then refuses it anyway).
pub fn without_literals(query: &str) -> Option<String> {
    let mut document: Document<'_, Text<'_>> = graphql_parser::parse_query(query).ok()?;
    for definition in &mut document.definitions {
        match definition {
            Definition::Operation(operation) => {
                let (variables, directives, selection_set) = match operation {
                    OperationDefinition::SelectionSet(selection_set) => (None, None, selection_set),
                    OperationDefinition::Query(q) => (
                        Some(&mut q.variable_definitions),
                        Some(&mut q.directives),
                        &mut q.selection_set,
                    ),
                    OperationDefinition::Mutation(m) => (
                        Some(&mut m.variable_definitions),
                        Some(&mut m.directives),
                        &mut m.selection_set,
                    ),
                    OperationDefinition::Subscription(s) => (
                        Some(&mut s.variable_definitions),
                        Some(&mut s.directives),
                        &mut s.selection_set,
                    ),
                };
                for variable in variables.into_iter().flatten() {
                    if let Some(default) = &mut variable.default_value {
                        blank(default);
                    }
                }
                blank_directives(directives.map(Vec::as_mut_slice).unwrap_or_default());
                blank_selections(selection_set);
            }
            Definition::Fragment(fragment) => {
                blank_directives(&mut fragment.directives);
                blank_selections(&mut fragment.selection_set);
            }
        }
    }
    Some(document.to_string())
}

fn blank<'a>(value: &mut Value<'a, Text<'a>>) {
    match value {
        Value::String(text) => text.clear(),
        Value::Int(number) => *number = 0.into(),
        Value::Float(number) => *number = 0.0,
        Value::List(items) => items.clear(),
        Value::Object(fields) => fields.clear(),
        Value::Variable(_) | Value::Boolean(_) | Value::Null | Value::Enum(_) => {}
    }
}

fn blank_directives<'a>(directives: &mut [Directive<'a, Text<'a>>]) {
    for directive in directives {
        for (_, value) in &mut directive.arguments {
            blank(value);
        }
    }
}

fn blank_selections<'a>(selection_set: &mut SelectionSet<'a, Text<'a>>) {
    for selection in &mut selection_set.items {
        match selection {
            Selection::Field(field) => {
                for (_, value) in &mut field.arguments {
                    blank(value);
                }
                blank_directives(&mut field.directives);
                blank_selections(&mut field.selection_set);
            }
            Selection::FragmentSpread(spread) => blank_directives(&mut spread.directives),
            Selection::InlineFragment(fragment) => {
                blank_directives(&mut fragment.directives);
                blank_selections(&mut fragment.selection_set);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::without_literals;

    #[test]
    fn literals_are_blanked_and_comments_dropped() {
        let query = r#"
            # about Amara Okafor
            mutation Register($input: RegisterChildInput! = {localChildId: "LC-1"}) {
              registerChild(input: {localChildId: "Amara Okafor", dateOfBirth: "2010-04-01", sex: FEMALE, tags: ["quiet", "kind"], age: 14, score: 2.5, flag: true, none: null}) @include(if: true) {
                child { id ... on Child @skip(if: false) { localChildId } }
              }
            }
            fragment F on Child @deprecatedLike(reason: "Kofi") { id }
        "#;
        let shown = without_literals(query).expect("parses");
        for secret in [
            "Amara", "Okafor", "2010", "LC-1", "quiet", "kind", "14", "2.5", "Kofi",
        ] {
            assert!(!shown.contains(secret), "{secret} still in {shown}");
        }
        for kept in [
            "mutation Register($input: RegisterChildInput! = {})",
            "localChildId",
            "registerChild(input: {})",
            "@include(if: true)",
            "@skip(if: false)",
            "fragment F on Child",
        ] {
            assert!(shown.contains(kept), "{kept} missing from {shown}");
        }
    }

    #[test]
    fn arguments_keep_their_names_and_enums() {
        let shown = without_literals(
            r#"{ children(first: 50, after: "abc", status: OPEN) { totalCount } }"#,
        )
        .expect("parses");
        assert!(
            shown.contains(r#"children(first: 0, after: "", status: OPEN)"#),
            "{shown}"
        );
    }

    #[test]
    fn a_document_that_does_not_parse_is_not_shown() {
        assert_eq!(without_literals("{ children(first: "), None);
    }
}
