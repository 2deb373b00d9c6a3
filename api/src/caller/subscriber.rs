use stable_futures_persistence::TenantDb;

use crate::notifications::ChangeNotifier;

/// What a subscription connection knows: its caller's tenant handle (from the token sent at
/// `connection_init`) and the replica's notifier.
#[derive(Debug, Clone)]
pub struct Subscriber {
    pub db: TenantDb,
    pub notifier: ChangeNotifier,
}
