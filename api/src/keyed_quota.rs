//! How much each key (a client, a client of an authority) holds at once, up to a limit per key:
//! the subscription connections of a client, its share of a replica's turns. A key is forgotten
//! once it holds nothing, so the map is as large as the keys holding something now.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

/// What each key holds, counted on this replica.
#[derive(Debug, Clone)]
pub struct KeyedQuota<K> {
    limit: usize,
    held: Arc<Mutex<HashMap<K, usize>>>,
}

impl<K: Eq + Hash + Clone> KeyedQuota<K> {
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            held: Arc::default(),
        }
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// One more for `key`, unless it holds `limit` already; held until the permit is dropped.
    pub fn take(&self, key: K) -> Option<QuotaPermit<K>> {
        let mut held = self.lock();
        let count = held.entry(key.clone()).or_default();
        if *count >= self.limit {
            if *count == 0 {
                held.remove(&key);
            }
            return None;
        }
        *count += 1;
        Some(QuotaPermit {
            quota: self.clone(),
            key,
        })
    }

    /// How many keys hold something.
    #[cfg(test)]
    pub fn keys(&self) -> usize {
        self.lock().len()
    }

    /// Nothing panics while holding the counts, so poisoned ones are still correct.
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, usize>> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One thing a key holds; dropping it gives its place back.
#[derive(Debug)]
pub struct QuotaPermit<K: Eq + Hash + Clone> {
    quota: KeyedQuota<K>,
    key: K,
}

impl<K: Eq + Hash + Clone> Drop for QuotaPermit<K> {
    fn drop(&mut self) {
        let mut held = self.quota.lock();
        if let Some(count) = held.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                held.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_holds_up_to_its_limit_gets_places_back_and_is_forgotten_at_zero() {
        let quota = KeyedQuota::new(2);
        let first = quota.take("a").expect("first");
        let second = quota.take("a").expect("second");
        assert!(quota.take("a").is_none(), "a third is over the limit");
        let other = quota.take("b").expect("another key has its own limit");
        assert_eq!(quota.keys(), 2);
        drop(first);
        let again = quota.take("a").expect("a place given back");
        drop((second, again, other));
        assert_eq!(quota.keys(), 0, "keys holding nothing are forgotten");
        // A limit of nothing admits nothing and remembers nobody.
        let closed = KeyedQuota::new(0);
        assert!(closed.take("a").is_none());
        assert_eq!(closed.keys(), 0);
        assert_eq!(closed.limit(), 0);
    }
}
