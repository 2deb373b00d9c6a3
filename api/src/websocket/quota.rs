//! How many subscription connections one client may hold open on this replica at once. Every
//! connection keeps a socket and its subscriptions' feed reads, so a client that reconnects in a
//! loop without closing, or opens one connection per subscription, must meet a limit before it
//! meets the server's file descriptors.

use stable_futures_domain::principal::Principal;

use crate::keyed_quota::{KeyedQuota, QuotaPermit};

/// A client is counted per local authority: one case-system vendor's client id may serve several.
type ClientKey = (String, String);

/// The open connections of each client of each local authority, counted on this replica.
#[derive(Debug, Clone)]
pub struct ConnectionQuota(KeyedQuota<ClientKey>);

/// One admitted connection; dropping it (when the connection ends) frees its place.
pub type ConnectionPermit = QuotaPermit<ClientKey>;

impl ConnectionQuota {
    pub fn new(limit: usize) -> Self {
        ConnectionQuota(KeyedQuota::new(limit))
    }

    /// A permit for one more connection of this caller, unless it holds `limit` already. The
    /// connection is counted until the permit is dropped.
    pub fn admit(&self, principal: &Principal) -> Option<ConnectionPermit> {
        self.0.take((
            principal.local_authority.as_str().to_owned(),
            principal.client_or_subject().to_owned(),
        ))
    }

    pub fn limit(&self) -> usize {
        self.0.limit()
    }

    #[cfg(test)]
    fn clients(&self) -> usize {
        self.0.keys()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use stable_futures_domain::local_authority::LocalAuthorityCode;

    use super::*;

    fn caller(la: &str, client: Option<&str>, subject: &str) -> Principal {
        Principal {
            subject: subject.to_owned(),
            client: client.map(str::to_owned),
            local_authority: LocalAuthorityCode::parse(la).expect("code"),
            scopes: BTreeSet::new(),
        }
    }

    #[test]
    fn a_client_gets_its_limit_and_a_place_back_when_one_closes() {
        let quota = ConnectionQuota::new(2);
        let client = caller("E09000019", Some("mosaic"), "worker-1");
        let first = quota.admit(&client).expect("first");
        let _second = quota.admit(&client).expect("second");
        assert!(quota.admit(&client).is_none(), "a third is over the limit");
        // Another subject of the same client counts against the same limit.
        assert!(quota
            .admit(&caller("E09000019", Some("mosaic"), "worker-2"))
            .is_none());
        drop(first);
        assert!(
            quota.admit(&client).is_some(),
            "a closed one frees its place"
        );
    }

    #[test]
    fn clients_and_authorities_are_counted_apart_and_forgotten_at_zero() {
        let quota = ConnectionQuota::new(1);
        let islington = quota.admit(&caller("E09000019", Some("mosaic"), "a"));
        let camden = quota.admit(&caller("E09000007", Some("mosaic"), "a"));
        let other_client = quota.admit(&caller("E09000019", Some("eclipse"), "a"));
        // Without a client id, the subject is the client.
        let no_client = quota.admit(&caller("E09000019", None, "a"));
        assert!(islington.is_some() && camden.is_some());
        assert!(other_client.is_some() && no_client.is_some());
        assert_eq!(quota.clients(), 4);
        drop((islington, camden, other_client, no_client));
        assert_eq!(quota.clients(), 0);
    }
}
