//! Where an issuer's tokens carry what the service needs: the scopes, the client and the local
//! authority. Identity providers differ (Entra ID puts an app's permissions in `roles` and the
//! client in `appid` or `azp`, Okta in `scp` and `cid`, Auth0 in `permissions`), and most cannot
//! easily add a custom `la` claim, so each trusted issuer says where to look; the defaults read
//! the tokens this service has always accepted (`scope`, `azp`/`client_id`, `la`).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Mutex;

use serde::Deserialize;
use serde_json::{Map, Value};
use stable_futures_domain::local_authority::LocalAuthorityCode;
use stable_futures_domain::principal::Scope;

/// Why a mapping was refused at start: names the issuer and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MappingError(String);

/// Why a token was refused by its issuer's mapping (the verifier's `TokenError` says it in the
/// log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refusal {
    ConflictingClients,
    BadLocalAuthority,
    AuthorityClaims,
    AuthorityNotAllowedForIssuer,
    NoAuthorityForTenantAndClient,
}

/// The claims read by default: today's tokens keep working unchanged.
pub const DEFAULT_SCOPE_CLAIMS: &[&str] = &["scope"];
pub const DEFAULT_CLIENT_CLAIMS: &[&str] = &["azp", "client_id"];
pub const DEFAULT_AUTHORITY_CLAIM: &str = "la";

/// At most this many unknown scope names are remembered per issuer (to be logged once each): an
/// issuer's tokens are signed, but a misconfigured one could still mint endless names.
const UNKNOWN_NAMES_REMEMBERED: usize = 64;

/// Where the local authority comes from, as configured (`localAuthority` of an issuer).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthoritySourceConfig {
    /// The claim holding the GSS code (default `la`).
    #[serde(default)]
    pub claim: Option<String>,
    /// The one authority every token of the issuer speaks for.
    #[serde(default)]
    pub fixed: Option<String>,
    /// The claim naming the provider's tenant (e.g. Entra ID's `tid`), for `byTenantAndClient`.
    #[serde(default)]
    pub tenant_claim: Option<String>,
    /// The authority of each (tenant, client) pair.
    #[serde(default)]
    pub by_tenant_and_client: Option<Vec<TenantClientAuthority>>,
}

/// One row of an issuer's (tenant, client) → authority table.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TenantClientAuthority {
    pub tenant: String,
    pub client: String,
    pub local_authority: String,
}

/// Where the local authority comes from, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
enum AuthoritySource {
    /// A claim (and `la_set` for reports across authorities).
    Claim(String),
    Fixed(LocalAuthorityCode),
    ByTenantAndClient {
        tenant_claim: String,
        table: HashMap<(String, String), LocalAuthorityCode>,
    },
}

/// The authority or authorities a token speaks for, before the issuer's binding is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Speaks {
    For(LocalAuthorityCode),
    /// `la_set` as received: checked by the verifier (size, duplicates, codes).
    ForSet(Vec<String>),
}

/// One issuer's claim mapping, checked at start.
#[derive(Debug)]
pub(super) struct ClaimMapping {
    scope_claims: Vec<String>,
    scope_names: HashMap<String, Scope>,
    client_claims: Vec<String>,
    authority: AuthoritySource,
    /// Scope names seen that are neither mapped nor ours, each logged once.
    unknown_logged: Mutex<HashSet<String>>,
}

impl Default for ClaimMapping {
    fn default() -> Self {
        Self {
            scope_claims: owned(DEFAULT_SCOPE_CLAIMS),
            scope_names: HashMap::new(),
            client_claims: owned(DEFAULT_CLIENT_CLAIMS),
            authority: AuthoritySource::Claim(DEFAULT_AUTHORITY_CLAIM.to_owned()),
            unknown_logged: Mutex::default(),
        }
    }
}

fn owned(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

/// Exactly a GSS code: a claim with stray spaces is an issuer's mistake to refuse, not to repair.
pub(super) fn exact_code(claim: &str) -> Option<LocalAuthorityCode> {
    LocalAuthorityCode::parse(claim)
        .ok()
        .filter(|code| code.as_str() == claim)
}

fn configured_code(issuer: &str, code: &str) -> Result<LocalAuthorityCode, MappingError> {
    exact_code(code).ok_or_else(|| {
        MappingError(format!(
            "issuer {issuer}: localAuthority {code:?} is not a GSS code"
        ))
    })
}

/// The names of the claims a token's values are read from, one string each (a `scp` may be a
/// string or an array).
fn strings(value: &Value) -> Vec<&str> {
    match value {
        Value::String(text) => text.split_whitespace().collect(),
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

impl ClaimMapping {
    /// Checks a configured mapping: the claims named are not empty, every mapped scope is one of
    /// ours, the authority comes from exactly one place and names GSS codes.
    pub(super) fn new(
        issuer: &str,
        scope_claims: &[String],
        scope_names: &BTreeMap<String, String>,
        client_claims: &[String],
        authority: &AuthoritySourceConfig,
    ) -> Result<Self, MappingError> {
        let problem = |what: String| MappingError(format!("issuer {issuer}: {what}"));
        let claim_list = |list: &[String], defaults: &[&str], what: &str| {
            if list.iter().any(|name| name.trim().is_empty()) {
                return Err(problem(format!("{what} names an empty claim")));
            }
            Ok(if list.is_empty() {
                owned(defaults)
            } else {
                list.to_vec()
            })
        };
        let scope_claims = claim_list(scope_claims, DEFAULT_SCOPE_CLAIMS, "scopeClaims")?;
        let client_claims = claim_list(client_claims, DEFAULT_CLIENT_CLAIMS, "clientClaims")?;
        let scope_names = scope_names
            .iter()
            .map(|(theirs, ours)| {
                Scope::parse(ours)
                    .map(|scope| (theirs.clone(), scope))
                    .ok_or_else(|| {
                        problem(format!(
                            "scopeNames maps {theirs:?} to {ours:?}, which is not a scope of this service"
                        ))
                    })
            })
            .collect::<Result<HashMap<_, _>, _>>()?;
        let authority = match authority {
            AuthoritySourceConfig {
                claim,
                fixed: None,
                tenant_claim: None,
                by_tenant_and_client: None,
            } => {
                let claim = claim.as_deref().unwrap_or(DEFAULT_AUTHORITY_CLAIM);
                if claim.trim().is_empty() {
                    return Err(problem("localAuthority.claim is empty".into()));
                }
                AuthoritySource::Claim(claim.to_owned())
            }
            AuthoritySourceConfig {
                claim: None,
                fixed: Some(code),
                tenant_claim: None,
                by_tenant_and_client: None,
            } => AuthoritySource::Fixed(configured_code(issuer, code)?),
            AuthoritySourceConfig {
                claim: None,
                fixed: None,
                tenant_claim: Some(tenant_claim),
                by_tenant_and_client: Some(rows),
            } => {
                if tenant_claim.trim().is_empty() || rows.is_empty() {
                    return Err(problem(
                        "localAuthority.byTenantAndClient needs a tenantClaim and at least one row"
                            .into(),
                    ));
                }
                let mut table = HashMap::new();
                for row in rows {
                    let code = configured_code(issuer, &row.local_authority)?;
                    if table
                        .insert((row.tenant.clone(), row.client.clone()), code)
                        .is_some()
                    {
                        return Err(problem(format!(
                            "localAuthority.byTenantAndClient lists tenant {:?} with client {:?} twice",
                            row.tenant, row.client
                        )));
                    }
                }
                AuthoritySource::ByTenantAndClient {
                    tenant_claim: tenant_claim.clone(),
                    table,
                }
            }
            _ => {
                return Err(problem(
                    "localAuthority takes one of: claim; fixed; tenantClaim with byTenantAndClient"
                        .into(),
                ))
            }
        };
        Ok(Self {
            scope_claims,
            scope_names,
            client_claims,
            authority,
            unknown_logged: Mutex::default(),
        })
    }

    /// The authorities a mapping can name by itself (fixed, or in its table): each must be
    /// one the issuer may speak for.
    pub(super) fn configured_authorities(&self) -> Vec<&LocalAuthorityCode> {
        match &self.authority {
            AuthoritySource::Claim(_) => Vec::new(),
            AuthoritySource::Fixed(code) => vec![code],
            AuthoritySource::ByTenantAndClient { table, .. } => table.values().collect(),
        }
    }

    /// The scopes granted: the union of the scope claims' names, each mapped by `scopeNames` or
    /// read as one of ours; any other name is ignored (and logged once for the issuer).
    pub(super) fn scopes(&self, issuer: &str, claims: &Map<String, Value>) -> BTreeSet<Scope> {
        let mut scopes = BTreeSet::new();
        for name in self
            .scope_claims
            .iter()
            .filter_map(|claim| claims.get(claim))
            .flat_map(strings)
        {
            match self
                .scope_names
                .get(name)
                .copied()
                .or_else(|| Scope::parse(name))
            {
                Some(scope) => {
                    scopes.insert(scope);
                }
                None => self.note_unknown(issuer, name),
            }
        }
        scopes
    }

    fn note_unknown(&self, issuer: &str, name: &str) {
        let Ok(mut logged) = self.unknown_logged.lock() else {
            return;
        };
        if logged.len() < UNKNOWN_NAMES_REMEMBERED && logged.insert(name.to_owned()) {
            // A scope name is the provider's configuration, not anyone's data.
            tracing::info!(
                issuer,
                scope = %name.chars().take(64).collect::<String>(),
                "ignoring a scope name that is neither one of ours nor mapped (scopeNames); logged once"
            );
        }
    }

    /// The case-system client: the first client claim present; every one present must agree.
    pub(super) fn client(&self, claims: &Map<String, Value>) -> Result<Option<String>, Refusal> {
        let mut found: Option<&str> = None;
        for value in self
            .client_claims
            .iter()
            .filter_map(|claim| claims.get(claim))
        {
            let value = value.as_str().ok_or(Refusal::ConflictingClients)?;
            match found {
                Some(earlier) if earlier != value => return Err(Refusal::ConflictingClients),
                _ => found = Some(value),
            }
        }
        Ok(found.map(str::to_owned))
    }

    /// The authority the token speaks for, from the configured place. A token that also names
    /// an authority in `la` must name the same one; only a claim-mapped issuer's tokens may
    /// carry `la_set`.
    pub(super) fn speaks(
        &self,
        claims: &Map<String, Value>,
        client: Option<&str>,
    ) -> Result<Speaks, Refusal> {
        let code_in = |claim: &str| -> Result<Option<LocalAuthorityCode>, Refusal> {
            claims
                .get(claim)
                .map(|value| {
                    value
                        .as_str()
                        .and_then(exact_code)
                        .ok_or(Refusal::BadLocalAuthority)
                })
                .transpose()
        };
        let set = claims.get("la_set");
        let decided = match &self.authority {
            AuthoritySource::Claim(claim) => {
                return match (code_in(claim)?, set) {
                    (Some(code), None) => Ok(Speaks::For(code)),
                    (None, Some(Value::Array(items))) => items
                        .iter()
                        .map(|item| item.as_str().map(str::to_owned))
                        .collect::<Option<Vec<_>>>()
                        .map(Speaks::ForSet)
                        .ok_or(Refusal::BadLocalAuthority),
                    (None, Some(_)) => Err(Refusal::BadLocalAuthority),
                    _ => Err(Refusal::AuthorityClaims),
                }
            }
            AuthoritySource::Fixed(code) => code.clone(),
            AuthoritySource::ByTenantAndClient {
                tenant_claim,
                table,
            } => {
                let tenant = claims
                    .get(tenant_claim)
                    .and_then(Value::as_str)
                    .ok_or(Refusal::NoAuthorityForTenantAndClient)?;
                let client = client.ok_or(Refusal::NoAuthorityForTenantAndClient)?;
                table
                    .get(&(tenant.to_owned(), client.to_owned()))
                    .cloned()
                    .ok_or(Refusal::NoAuthorityForTenantAndClient)?
            }
        };
        if set.is_some() {
            return Err(Refusal::AuthorityClaims);
        }
        match code_in(DEFAULT_AUTHORITY_CLAIM)? {
            Some(named) if named != decided => Err(Refusal::AuthorityNotAllowedForIssuer),
            _ => Ok(Speaks::For(decided)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ISLINGTON: &str = "E09000019";
    const CAMDEN: &str = "E09000007";

    fn claims(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => panic!("an object"),
        }
    }

    fn code(text: &str) -> LocalAuthorityCode {
        LocalAuthorityCode::parse(text).expect("code")
    }

    fn mapping(
        scope_claims: &[&str],
        names: &[(&str, &str)],
        client_claims: &[&str],
        authority: AuthoritySourceConfig,
    ) -> Result<ClaimMapping, MappingError> {
        ClaimMapping::new(
            "https://idp.test/",
            &owned(scope_claims),
            &names
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
            &owned(client_claims),
            &authority,
        )
    }

    fn fixed(text: &str) -> AuthoritySourceConfig {
        AuthoritySourceConfig {
            fixed: Some(text.to_owned()),
            ..Default::default()
        }
    }

    fn table(rows: &[(&str, &str, &str)]) -> AuthoritySourceConfig {
        AuthoritySourceConfig {
            tenant_claim: Some("tid".into()),
            by_tenant_and_client: Some(
                rows.iter()
                    .map(|(tenant, client, la)| TenantClientAuthority {
                        tenant: (*tenant).into(),
                        client: (*client).into(),
                        local_authority: (*la).into(),
                    })
                    .collect(),
            ),
            ..Default::default()
        }
    }

    #[test]
    fn by_default_scopes_are_the_scope_string_and_unknown_names_are_not_granted() {
        let mapping = ClaimMapping::default();
        let token = claims(json!({
            "scope": "children:read  openid referrals:write",
            "scp": "children:write", "roles": ["audit:read"]
        }));
        assert_eq!(
            mapping.scopes("i", &token),
            BTreeSet::from([Scope::ChildrenRead, Scope::ReferralsWrite])
        );
        assert!(mapping.scopes("i", &claims(json!({}))).is_empty());
    }

    #[test]
    fn scopes_are_the_union_of_the_named_claims_strings_or_arrays_mapped_by_name() {
        let mapping = mapping(
            &["roles", "scp"],
            &[
                ("Children.Read", "children:read"),
                ("Referrals.Write", "referrals:write"),
            ],
            &[],
            AuthoritySourceConfig::default(),
        )
        .expect("mapping");
        let token = claims(json!({
            "roles": ["Children.Read", "Unknown.Role", 7, "outcomes:read"],
            "scp": "Referrals.Write children:read",
            "scope": "audit:read"
        }));
        assert_eq!(
            mapping.scopes("i", &token),
            BTreeSet::from([
                Scope::ChildrenRead,
                Scope::ReferralsWrite,
                Scope::OutcomesRead
            ])
        );
        // A claim of another shape grants nothing.
        assert!(mapping
            .scopes(
                "i",
                &claims(json!({ "roles": { "a": "children:read" }, "scp": 3 }))
            )
            .is_empty());
    }

    #[test]
    fn unknown_names_are_remembered_once_and_at_most_a_bounded_number() {
        let mapping = ClaimMapping::default();
        let names: Vec<String> = (0..100).map(|n| format!("other:{n}")).collect();
        mapping.scopes("i", &claims(json!({ "scope": names.join(" ") })));
        mapping.scopes("i", &claims(json!({ "scope": "other:1" })));
        let logged = mapping.unknown_logged.lock().expect("lock");
        assert_eq!(logged.len(), UNKNOWN_NAMES_REMEMBERED);
        assert!(logged.contains("other:0"));
        assert!(!logged.contains("other:99"));
    }

    #[test]
    fn a_scope_name_mapped_to_something_not_ours_stops_the_start() {
        let error = mapping(
            &[],
            &[("Children.Read", "children:everything")],
            &[],
            fixed(ISLINGTON),
        )
        .expect_err("refused");
        assert!(error.to_string().contains("children:everything"), "{error}");
    }

    #[test]
    fn the_client_is_the_first_client_claim_present_and_all_present_must_agree() {
        let default = ClaimMapping::default();
        let client = |mapping: &ClaimMapping, value: Value| mapping.client(&claims(value));
        assert_eq!(client(&default, json!({})).ok(), Some(None));
        assert_eq!(
            client(&default, json!({ "azp": "a" })).ok(),
            Some(Some("a".into()))
        );
        assert_eq!(
            client(&default, json!({ "client_id": "b" })).ok(),
            Some(Some("b".into()))
        );
        assert_eq!(
            client(&default, json!({ "azp": "a", "client_id": "a" })).ok(),
            Some(Some("a".into()))
        );
        assert!(matches!(
            client(&default, json!({ "azp": "a", "client_id": "b" })),
            Err(Refusal::ConflictingClients)
        ));
        assert!(matches!(
            client(&default, json!({ "azp": 5 })),
            Err(Refusal::ConflictingClients)
        ));
        // Claims not named are not read.
        assert_eq!(
            client(&default, json!({ "cid": "c", "appid": "d" })).ok(),
            Some(None)
        );
        let okta = mapping(&[], &[], &["cid"], AuthoritySourceConfig::default()).expect("mapping");
        assert_eq!(
            client(&okta, json!({ "cid": "c", "azp": "x" })).ok(),
            Some(Some("c".into()))
        );
        let entra = mapping(
            &[],
            &[],
            &["azp", "appid"],
            AuthoritySourceConfig::default(),
        )
        .expect("mapping");
        assert_eq!(
            client(&entra, json!({ "appid": "d" })).ok(),
            Some(Some("d".into()))
        );
        assert!(matches!(
            client(&entra, json!({ "appid": "d", "azp": "e" })),
            Err(Refusal::ConflictingClients)
        ));
    }

    #[test]
    fn by_default_the_authority_is_la_or_la_set_never_both_nor_neither() {
        let mapping = ClaimMapping::default();
        let speaks = |value: Value| mapping.speaks(&claims(value), None);
        assert_eq!(
            speaks(json!({ "la": ISLINGTON })).ok(),
            Some(Speaks::For(code(ISLINGTON)))
        );
        assert_eq!(
            speaks(json!({ "la_set": [ISLINGTON, CAMDEN] })).ok(),
            Some(Speaks::ForSet(vec![ISLINGTON.into(), CAMDEN.into()]))
        );
        assert!(matches!(speaks(json!({})), Err(Refusal::AuthorityClaims)));
        assert!(matches!(
            speaks(json!({ "la": ISLINGTON, "la_set": [CAMDEN] })),
            Err(Refusal::AuthorityClaims)
        ));
        for bad in [
            json!({ "la": " E09000019" }),
            json!({ "la": 19 }),
            json!({ "la_set": "E09000019" }),
            json!({ "la_set": [ISLINGTON, 7] }),
        ] {
            assert!(matches!(speaks(bad), Err(Refusal::BadLocalAuthority)));
        }
    }

    #[test]
    fn the_authority_claim_may_be_named() {
        let mapping = mapping(
            &[],
            &[],
            &[],
            AuthoritySourceConfig {
                claim: Some("council".into()),
                ..Default::default()
            },
        )
        .expect("mapping");
        assert_eq!(
            mapping
                .speaks(&claims(json!({ "council": CAMDEN, "la": ISLINGTON })), None)
                .ok(),
            Some(Speaks::For(code(CAMDEN)))
        );
        assert!(matches!(
            mapping.speaks(&claims(json!({ "la": ISLINGTON })), None),
            Err(Refusal::AuthorityClaims)
        ));
    }

    #[test]
    fn a_fixed_authority_is_the_tokens_and_a_token_naming_another_is_refused() {
        let mapping = mapping(&[], &[], &[], fixed(ISLINGTON)).expect("mapping");
        let speaks = |value: Value| mapping.speaks(&claims(value), None);
        assert_eq!(speaks(json!({})).ok(), Some(Speaks::For(code(ISLINGTON))));
        assert_eq!(
            speaks(json!({ "la": ISLINGTON })).ok(),
            Some(Speaks::For(code(ISLINGTON)))
        );
        assert!(matches!(
            speaks(json!({ "la": CAMDEN })),
            Err(Refusal::AuthorityNotAllowedForIssuer)
        ));
        assert!(matches!(
            speaks(json!({ "la": "camden" })),
            Err(Refusal::BadLocalAuthority)
        ));
        assert!(matches!(
            speaks(json!({ "la_set": [ISLINGTON] })),
            Err(Refusal::AuthorityClaims)
        ));
        assert_eq!(mapping.configured_authorities(), vec![&code(ISLINGTON)]);
    }

    #[test]
    fn a_tenant_and_client_table_decides_the_authority_and_refuses_pairs_it_lacks() {
        let mapping = mapping(
            &[],
            &[],
            &[],
            table(&[
                ("tenant-1", "mosaic", ISLINGTON),
                ("tenant-1", "eclipse", CAMDEN),
                ("tenant-2", "mosaic", CAMDEN),
            ]),
        )
        .expect("mapping");
        let speaks = |value: Value, client: Option<&str>| mapping.speaks(&claims(value), client);
        assert_eq!(
            speaks(json!({ "tid": "tenant-1" }), Some("mosaic")).ok(),
            Some(Speaks::For(code(ISLINGTON)))
        );
        assert_eq!(
            speaks(json!({ "tid": "tenant-1" }), Some("eclipse")).ok(),
            Some(Speaks::For(code(CAMDEN)))
        );
        assert_eq!(
            speaks(json!({ "tid": "tenant-2" }), Some("mosaic")).ok(),
            Some(Speaks::For(code(CAMDEN)))
        );
        for (token, client) in [
            (json!({ "tid": "tenant-2" }), Some("eclipse")),
            (json!({ "tid": "tenant-3" }), Some("mosaic")),
            (json!({ "tid": "tenant-1" }), None),
            (json!({}), Some("mosaic")),
            (json!({ "tid": 1 }), Some("mosaic")),
        ] {
            assert!(matches!(
                speaks(token, client),
                Err(Refusal::NoAuthorityForTenantAndClient)
            ));
        }
        assert!(matches!(
            speaks(json!({ "tid": "tenant-1", "la": CAMDEN }), Some("mosaic")),
            Err(Refusal::AuthorityNotAllowedForIssuer)
        ));
        let mut configured = mapping.configured_authorities();
        configured.sort();
        assert_eq!(
            configured,
            vec![&code(CAMDEN), &code(CAMDEN), &code(ISLINGTON)]
        );
    }

    #[test]
    fn a_mapping_that_is_ambiguous_or_malformed_stops_the_start() {
        let both = AuthoritySourceConfig {
            claim: Some("la".into()),
            fixed: Some(ISLINGTON.into()),
            ..Default::default()
        };
        let table_without_tenant = AuthoritySourceConfig {
            by_tenant_and_client: table(&[("t", "c", ISLINGTON)]).by_tenant_and_client,
            ..Default::default()
        };
        for authority in [
            both,
            table_without_tenant,
            fixed("E0900001"),
            fixed(" E09000019"),
            table(&[]),
            table(&[("t", "c", "nowhere")]),
            table(&[("t", "c", ISLINGTON), ("t", "c", CAMDEN)]),
            AuthoritySourceConfig {
                claim: Some(" ".into()),
                ..Default::default()
            },
        ] {
            assert!(
                mapping(&[], &[], &[], authority.clone()).is_err(),
                "{authority:?}"
            );
        }
        assert!(mapping(&[""], &[], &[], AuthoritySourceConfig::default()).is_err());
        assert!(mapping(&[], &[], &[" "], AuthoritySourceConfig::default()).is_err());
        // Empty lists mean the defaults.
        let defaults = mapping(&[], &[], &[], AuthoritySourceConfig::default()).expect("mapping");
        assert_eq!(defaults.scope_claims, owned(DEFAULT_SCOPE_CLAIMS));
        assert_eq!(defaults.client_claims, owned(DEFAULT_CLIENT_CLAIMS));
        assert_eq!(defaults.authority, AuthoritySource::Claim("la".into()));
    }
}
