use std::collections::BTreeSet;

use crate::local_authority::LocalAuthorityCode;

string_enum! {
    /// What a token allows. Space-separated in the token's `scope` claim.
    pub enum Scope {
        ChildrenRead => "children:read",
        ChildrenWrite => "children:write",
        /// Erasing a child and everything recorded about them (`eraseChild`).
        ChildrenErase => "children:erase",
        ReferralsRead => "referrals:read",
        ReferralsWrite => "referrals:write",
        GuardiansRead => "guardians:read",
        GuardiansWrite => "guardians:write",
        OutcomesRead => "outcomes:read",
        OutcomesWrite => "outcomes:write",
        AuditRead => "audit:read",
        ReportsRead => "reports:read",
        /// The authority's own reports without disclosure control (`rules: NONE`), for its own
        /// analysts; never across authorities.
        ReportsUnsuppressed => "reports:unsuppressed",
        /// Reports over several authorities at once, for a token naming them in `la_set` (a
        /// regional partnership, a pilot's evaluator): controlled aggregates and nothing else.
        ReportsAggregate => "reports:aggregate",
        /// Transfers of children between authorities: those offered to the authority and by it.
        TransfersRead => "transfers:read",
        /// Offering a child to another authority, and accepting, declining or withdrawing an
        /// offer.
        TransfersWrite => "transfers:write",
        /// Changing the authority's settings (worklist thresholds).
        SettingsWrite => "settings:write",
        /// A young person's own words, practitioners' notes and names.
        SensitiveRead => "sensitive:read",
        /// Introspection of the schema in production (development mode allows it to anyone).
        SchemaIntrospect => "schema:introspect",
    }
}

/// Who is calling: established from a verified token, required by every persistence call, so no
/// query can run without knowing which local authority it speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token's `sub`: the user or service account inside the case system.
    pub subject: String,
    /// The case-system client the token was issued to (`azp` or `client_id`), when the issuer says.
    pub client: Option<String>,
    pub local_authority: LocalAuthorityCode,
    pub scopes: BTreeSet<Scope>,
}

impl Principal {
    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }

    /// Whom limits and idempotency keys belong to: the token's client, or its subject when the
    /// issuer names no client.
    pub fn client_or_subject(&self) -> &str {
        self.client.as_deref().unwrap_or(&self.subject)
    }

    /// Reads a space-separated `scope` claim. Unknown scopes are ignored rather than refused, so an
    /// identity provider may issue scopes meant for other services in the same token.
    pub fn parse_scopes(claim: &str) -> BTreeSet<Scope> {
        claim.split_whitespace().filter_map(Scope::parse).collect()
    }
}

/// A caller that speaks for several local authorities and may read only controlled aggregates
/// of their records: established from a token with `la_set`. It is a different type from
/// [`Principal`] so that no persistence call taking a principal can be made for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggregatePrincipal {
    pub subject: String,
    pub client: Option<String>,
    /// At least one; in GSS order.
    pub local_authorities: BTreeSet<LocalAuthorityCode>,
    pub scopes: BTreeSet<Scope>,
}

impl AggregatePrincipal {
    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_claim_keeps_known_scopes_only() {
        let scopes = Principal::parse_scopes("children:read  openid sensitive:read children:read");
        assert_eq!(
            scopes.into_iter().collect::<Vec<_>>(),
            vec![Scope::ChildrenRead, Scope::SensitiveRead]
        );
    }

    #[test]
    fn a_caller_holds_its_scopes_only_and_is_counted_by_its_client_or_else_its_subject() {
        let local_authority = LocalAuthorityCode::parse("E09000019").expect("code");
        let mut principal = Principal {
            subject: "worker-17".to_owned(),
            client: Some("mosaic".to_owned()),
            local_authority: local_authority.clone(),
            scopes: BTreeSet::from([Scope::ChildrenRead]),
        };
        assert!(principal.has(Scope::ChildrenRead));
        assert!(!principal.has(Scope::ReportsRead));
        assert_eq!(principal.client_or_subject(), "mosaic");
        principal.client = None;
        assert_eq!(principal.client_or_subject(), "worker-17");
        let evaluator = AggregatePrincipal {
            subject: "evaluator".to_owned(),
            client: None,
            local_authorities: BTreeSet::from([local_authority]),
            scopes: BTreeSet::from([Scope::ReportsAggregate]),
        };
        assert!(evaluator.has(Scope::ReportsAggregate));
        assert!(!evaluator.has(Scope::ReportsUnsuppressed));
    }

    #[test]
    fn every_scope_round_trips() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(*scope));
        }
    }
}
