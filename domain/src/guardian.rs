//! Independent guardians for children who may have been trafficked: requested, assigned, ended.

use chrono::{DateTime, Utc};

use crate::calendar::{calendar_days, uk_date};
use crate::error::{ErrorCode, FieldError};
use crate::fields::past_instant;
use crate::ids::{AssignmentId, ChildId};

string_enum! {
    /// The guardianship services of the UK's nations.
    pub enum GuardianService {
        /// Independent Child Trafficking Guardians, England and Wales.
        Ictg => "ICTG",
        /// Guardianship Scotland (Human Trafficking and Exploitation (Scotland) Act 2015, s11).
        GuardianshipScotland => "GUARDIANSHIP_SCOTLAND",
        /// Independent Guardian Service, Northern Ireland (2015 Act, s21).
        NiIndependentGuardian => "NI_INDEPENDENT_GUARDIAN",
    }
}

string_enum! {
    pub enum GuardianRole {
        /// ICTG one-to-one worker, for a child with nobody holding parental responsibility in the UK.
        DirectWorker => "DIRECT_WORKER",
        /// ICTG professional-facing role where someone holds parental responsibility.
        RegionalPracticeCoordinator => "REGIONAL_PRACTICE_COORDINATOR",
        RegionalPractitioner => "REGIONAL_PRACTITIONER",
        /// ICTG support after 18 (pilot).
        Post18Worker => "POST_18_WORKER",
        /// A guardian in Scotland or Northern Ireland, where the services have a single role.
        Guardian => "GUARDIAN",
    }
}

string_enum! {
    pub enum AssignmentStatus {
        Requested => "REQUESTED",
        Assigned => "ASSIGNED",
        Ended => "ENDED",
    }
}

string_enum! {
    pub enum AssignmentEndReason {
        SupportCompleted => "SUPPORT_COMPLETED",
        ReachedAdulthood => "REACHED_ADULTHOOD",
        MovedOutOfArea => "MOVED_OUT_OF_AREA",
        YoungPersonDeclined => "YOUNG_PERSON_DECLINED",
        NotEligible => "NOT_ELIGIBLE",
        RequestWithdrawn => "REQUEST_WITHDRAWN",
        Other => "OTHER",
    }
}

impl GuardianService {
    /// The independent guardian service of a nation.
    pub fn of_nation(nation: crate::local_authority::Nation) -> Self {
        use crate::local_authority::Nation;
        match nation {
            Nation::EnglandAndWales => GuardianService::Ictg,
            Nation::Scotland => GuardianService::GuardianshipScotland,
            Nation::NorthernIreland => GuardianService::NiIndependentGuardian,
        }
    }

    /// The roles each service has.
    pub fn offers(self, role: GuardianRole) -> bool {
        match self {
            GuardianService::Ictg => matches!(
                role,
                GuardianRole::DirectWorker
                    | GuardianRole::RegionalPracticeCoordinator
                    | GuardianRole::RegionalPractitioner
                    | GuardianRole::Post18Worker
            ),
            GuardianService::GuardianshipScotland | GuardianService::NiIndependentGuardian => {
                role == GuardianRole::Guardian
            }
        }
    }
}

/// One request for an independent guardian and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardianAssignment {
    pub id: AssignmentId,
    pub child_id: ChildId,
    pub service: GuardianService,
    pub role: GuardianRole,
    pub status: AssignmentStatus,
    pub requested_at: DateTime<Utc>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub end_reason: Option<AssignmentEndReason>,
    /// The authority that recorded it, when it is not the one that holds it now (the child
    /// moved here with it: see `transfer`).
    pub recorded_by_local_authority: Option<crate::local_authority::LocalAuthorityCode>,
    pub version: i32,
}

/// What a request for a guardian asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuardianRequest {
    pub service: GuardianService,
    pub role: GuardianRole,
    pub requested_at: DateTime<Utc>,
}

impl GuardianAssignment {
    /// A new request. `open_services` lists the services already requested or assigned for this
    /// child and not ended: a child has at most one open assignment per service.
    pub fn request(
        id: AssignmentId,
        child_id: ChildId,
        service: GuardianService,
        role: GuardianRole,
        requested_at: DateTime<Utc>,
        open_services: &[GuardianService],
        now: DateTime<Utc>,
    ) -> Result<GuardianAssignment, FieldError> {
        past_instant("requestedAt", requested_at, now)?;
        check_role(service, role)?;
        if open_services.contains(&service) {
            return Err(FieldError::new(
                "service",
                ErrorCode::OpenAssignmentExists,
                "this child already has an open request or assignment with this service",
            ));
        }
        Ok(GuardianAssignment {
            id,
            child_id,
            service,
            role,
            status: AssignmentStatus::Requested,
            requested_at,
            assigned_at: None,
            ended_at: None,
            end_reason: None,
            recorded_by_local_authority: None,
            version: 1,
        })
    }

    /// A guardian takes up the request, optionally in a different role than first asked for.
    pub fn assign(
        &mut self,
        assigned_at: DateTime<Utc>,
        role: Option<GuardianRole>,
        now: DateTime<Utc>,
    ) -> Result<(), FieldError> {
        past_instant("assignedAt", assigned_at, now)?;
        match self.status {
            AssignmentStatus::Requested => {}
            AssignmentStatus::Assigned => {
                return Err(FieldError::new(
                    "assignmentId",
                    ErrorCode::AlreadyAssigned,
                    "a guardian is already assigned",
                ))
            }
            AssignmentStatus::Ended => return Err(ended()),
        }
        if assigned_at < self.requested_at {
            return Err(FieldError::new(
                "assignedAt",
                ErrorCode::BeforePrecedingEvent,
                "a guardian cannot be assigned before the request was made",
            ));
        }
        if let Some(role) = role {
            check_role(self.service, role)?;
            self.role = role;
        }
        self.status = AssignmentStatus::Assigned;
        self.assigned_at = Some(assigned_at);
        Ok(())
    }

    /// Ends an assignment, or closes a request that was never taken up.
    pub fn end(
        &mut self,
        ended_at: DateTime<Utc>,
        reason: AssignmentEndReason,
        now: DateTime<Utc>,
    ) -> Result<(), FieldError> {
        past_instant("endedAt", ended_at, now)?;
        if self.status == AssignmentStatus::Ended {
            return Err(ended());
        }
        let follows = self.assigned_at.unwrap_or(self.requested_at);
        if ended_at < follows {
            return Err(FieldError::new(
                "endedAt",
                ErrorCode::BeforePrecedingEvent,
                "an assignment cannot end before it was requested or assigned",
            ));
        }
        self.status = AssignmentStatus::Ended;
        self.ended_at = Some(ended_at);
        self.end_reason = Some(reason);
        Ok(())
    }

    /// Calendar days from request to assignment (UK dates): the research asks for prompt
    /// assignment, and nothing sets a target, so it is measured.
    pub fn days_to_assignment(&self) -> Option<i64> {
        self.assigned_at
            .map(|assigned_at| calendar_days(uk_date(self.requested_at), uk_date(assigned_at)))
    }

    /// Calendar days from a referral (the child's earliest) to assignment.
    pub fn days_from_referral_to_assignment(&self, referred_at: DateTime<Utc>) -> Option<i64> {
        self.assigned_at
            .map(|assigned_at| calendar_days(uk_date(referred_at), uk_date(assigned_at)))
    }

    pub fn is_open(&self) -> bool {
        self.status != AssignmentStatus::Ended
    }
}

fn check_role(service: GuardianService, role: GuardianRole) -> Result<(), FieldError> {
    if service.offers(role) {
        Ok(())
    } else {
        Err(FieldError::new(
            "role",
            ErrorCode::RoleNotOfferedByService,
            "this guardianship service does not have that role",
        ))
    }
}

fn ended() -> FieldError {
    FieldError::new(
        "assignmentId",
        ErrorCode::AlreadyEnded,
        "the assignment has ended",
    )
}
