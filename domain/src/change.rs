//! The change feed: one entry per committed change to a local authority's records, in commit
//! order, so a case system can keep its copy in step (and purge what was erased). An entry names
//! what changed, never the values.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::ids::{AssignmentId, ChildId, MeasurementId, ReferralId, TransferId};

string_enum! {
    /// What happened to the record.
    pub enum ChangeKind {
        /// A child registered, a referral submitted, a guardian requested.
        Created => "CREATED",
        /// A child's details changed.
        Updated => "UPDATED",
        /// A referral decided, reconsidered or withdrawn; a guardian assignment ended.
        StateChanged => "STATE_CHANGED",
        /// A guardian assigned.
        Assigned => "ASSIGNED",
        /// An outcome measurement (or a correction of one) recorded.
        Measured => "MEASURED",
        /// The child and everything recorded about them erased: a copy must be purged. Also sent,
        /// naming the transfer, to each authority the eraser had offered the child to.
        Erased => "ERASED",
        /// The child moved to another authority (a transfer accepted): archive your copy of the
        /// child and of everything recorded about them; this authority no longer holds them.
        TransferredOut => "TRANSFERRED_OUT",
        /// A child, or one of their records, arrived with a transfer: the child's entry comes
        /// first, then one per record.
        TransferredIn => "TRANSFERRED_IN",
    }
}

string_enum! {
    /// The type of a changed record, as stored.
    pub enum EntityType {
        Child => "Child",
        NrmReferral => "NrmReferral",
        GuardianAssignment => "GuardianAssignment",
        OutcomeMeasurement => "OutcomeMeasurement",
        Transfer => "Transfer",
    }
}

/// The record a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangedEntity {
    Child(ChildId),
    NrmReferral(ReferralId),
    GuardianAssignment(AssignmentId),
    OutcomeMeasurement(MeasurementId),
    Transfer(TransferId),
}

impl ChangedEntity {
    pub fn entity_type(self) -> EntityType {
        match self {
            ChangedEntity::Child(_) => EntityType::Child,
            ChangedEntity::NrmReferral(_) => EntityType::NrmReferral,
            ChangedEntity::GuardianAssignment(_) => EntityType::GuardianAssignment,
            ChangedEntity::OutcomeMeasurement(_) => EntityType::OutcomeMeasurement,
            ChangedEntity::Transfer(_) => EntityType::Transfer,
        }
    }

    pub fn uuid(self) -> Uuid {
        match self {
            ChangedEntity::Child(id) => id.0,
            ChangedEntity::NrmReferral(id) => id.0,
            ChangedEntity::GuardianAssignment(id) => id.0,
            ChangedEntity::OutcomeMeasurement(id) => id.0,
            ChangedEntity::Transfer(id) => id.0,
        }
    }

    pub fn from_parts(entity_type: EntityType, id: Uuid) -> Self {
        match entity_type {
            EntityType::Child => ChangedEntity::Child(ChildId(id)),
            EntityType::NrmReferral => ChangedEntity::NrmReferral(ReferralId(id)),
            EntityType::GuardianAssignment => ChangedEntity::GuardianAssignment(AssignmentId(id)),
            EntityType::OutcomeMeasurement => ChangedEntity::OutcomeMeasurement(MeasurementId(id)),
            EntityType::Transfer => ChangedEntity::Transfer(TransferId(id)),
        }
    }
}

/// A change as a write records it (its position is given by the database at commit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeRecord {
    pub kind: ChangeKind,
    pub entity: ChangedEntity,
    /// The child the record belongs to (the record itself for a child).
    pub child_id: ChildId,
}

impl ChangeRecord {
    pub fn new(kind: ChangeKind, entity: ChangedEntity, child_id: ChildId) -> Self {
        Self {
            kind,
            entity,
            child_id,
        }
    }
}

/// One committed change, as the feed shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Its place in the local authority's feed: increasing in commit order (not contiguous).
    pub position: i64,
    pub kind: ChangeKind,
    pub entity: ChangedEntity,
    pub child_id: ChildId,
    pub changed_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_round_trip_through_their_stored_parts() {
        let id = Uuid::now_v7();
        for entity in [
            ChangedEntity::Child(ChildId(id)),
            ChangedEntity::NrmReferral(ReferralId(id)),
            ChangedEntity::GuardianAssignment(AssignmentId(id)),
            ChangedEntity::OutcomeMeasurement(MeasurementId(id)),
            ChangedEntity::Transfer(TransferId(id)),
        ] {
            let stored = entity.entity_type().as_str();
            let back = EntityType::parse(stored).expect("a stored type reads back");
            assert_eq!(ChangedEntity::from_parts(back, entity.uuid()), entity);
        }
        assert_eq!(EntityType::parse("child"), None);
        assert_eq!(ChangeKind::parse("ERASED"), Some(ChangeKind::Erased));
    }
}
