//! A child's move to another local authority (issue #17): the sending authority offers, the
//! receiving one accepts or declines, the sender may withdraw before acceptance. Each step is an
//! event of the transfer's own timeline. What moves on acceptance, and what the receiver sees
//! before it, are the persistence layer's; the rules of who may do what when are here.

use chrono::{DateTime, NaiveDate, Utc};

use crate::calendar::uk_date;
use crate::child::Child;
use crate::error::{ErrorCode, FieldError, FieldErrors};
use crate::guardian::{GuardianAssignment, GuardianService};
use crate::ids::{ChildId, TransferId};
use crate::local_authority::LocalAuthorityCode;
use crate::referral::{NrmReferral, ReferralStatus};

string_enum! {
    /// Why a child moves.
    pub enum TransferReason {
        /// The National Transfer Scheme for unaccompanied children.
        NationalTransferScheme => "NATIONAL_TRANSFER_SCHEME",
        PlacementMove => "PLACEMENT_MOVE",
        FamilyMove => "FAMILY_MOVE",
        /// Any other reason: the offer must say which in its note.
        Other => "OTHER",
    }
}

string_enum! {
    /// Where a transfer stands.
    pub enum TransferStatus {
        Offered => "OFFERED",
        Accepted => "ACCEPTED",
        Declined => "DECLINED",
        Withdrawn => "WITHDRAWN",
    }
}

/// The longest note an offer or a refusal may carry (free text: no personal data is asked for,
/// and it is never logged).
pub const MAX_NOTE_CHARS: usize = 1000;

/// How far back an offer may date the receiving authority's responsibility (a move already
/// made, recorded late), and how far ahead.
pub const MOST_DAYS_BACKDATED: i64 = 90;
pub const MOST_DAYS_AHEAD: i64 = 365;

/// What the sending authority offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferOffer {
    pub child_id: ChildId,
    pub to: LocalAuthorityCode,
    pub reason: TransferReason,
    /// The UK date from which the receiving authority is responsible.
    pub responsibility_from: NaiveDate,
    pub note: Option<String>,
}

/// The least the receiving authority needs to decide on an offer, as it was when offered: not
/// the child's records, which it sees only once it has accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferChildSummary {
    /// Whole years on the day of the offer, from the recorded (possibly estimated) date of birth.
    pub age_years: i32,
    pub age_disputed: bool,
    /// A referral awaits a decision: submitted, positive at reasonable grounds, or negative with a
    /// reconsideration asked for.
    pub open_referrals: bool,
    /// A guardian is requested or assigned.
    pub open_guardian_assignments: bool,
}

impl TransferChildSummary {
    pub fn of(
        child: &Child,
        referrals: &[NrmReferral],
        assignments: &[GuardianAssignment],
        today: NaiveDate,
    ) -> Self {
        Self {
            age_years: child.age_on(today),
            age_disputed: child.details.age_disputed,
            open_referrals: referrals.iter().any(awaits_decision),
            open_guardian_assignments: assignments.iter().any(GuardianAssignment::is_open),
        }
    }
}

fn awaits_decision(referral: &NrmReferral) -> bool {
    match referral.status {
        ReferralStatus::Submitted | ReferralStatus::RgPositive => true,
        ReferralStatus::RgNegative | ReferralStatus::CgNegative => {
            referral.reconsideration_requested_at.is_some()
        }
        ReferralStatus::CgPositive | ReferralStatus::Withdrawn => false,
    }
}

/// What a step asked of a transfer came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acted {
    /// The step is taken: store the transfer and its event.
    Taken(Box<Transfer>, TransferEvent),
    /// The same step was taken already (a retry of a request whose answer was lost): answer with
    /// the transfer as it is, write nothing.
    AlreadyTaken,
}

/// One transfer and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub id: TransferId,
    pub child_id: ChildId,
    pub child: TransferChildSummary,
    pub from: LocalAuthorityCode,
    pub to: LocalAuthorityCode,
    pub reason: TransferReason,
    pub responsibility_from: NaiveDate,
    pub note: Option<String>,
    pub status: TransferStatus,
    pub version: i32,
    pub offered_at: DateTime<Utc>,
    /// When it was accepted, declined or withdrawn.
    pub ended_at: Option<DateTime<Utc>>,
    pub decline_note: Option<String>,
}

/// A step of a transfer's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferEvent {
    pub transfer_id: TransferId,
    pub status: TransferStatus,
    pub at: DateTime<Utc>,
}

/// What is asked of a transfer after it was offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferAction {
    /// The receiving authority takes the child on.
    Accept,
    /// The receiving authority will not.
    Decline,
    /// The sending authority takes the offer back.
    Withdraw,
}

impl TransferAction {
    /// The status the action leads to.
    pub const fn outcome(self) -> TransferStatus {
        match self {
            TransferAction::Accept => TransferStatus::Accepted,
            TransferAction::Decline => TransferStatus::Declined,
            TransferAction::Withdraw => TransferStatus::Withdrawn,
        }
    }
}

fn note_of(field: &str, note: Option<String>) -> Result<Option<String>, FieldError> {
    let note = note
        .map(|note| note.trim().to_owned())
        .filter(|note| !note.is_empty());
    match note {
        Some(text) if text.chars().count() > MAX_NOTE_CHARS => Err(FieldError::new(
            field,
            ErrorCode::TooLong,
            format!("at most {MAX_NOTE_CHARS} characters"),
        )),
        other => Ok(other),
    }
}

impl Transfer {
    /// Validates an offer by `from` (the authority now responsible). `served` says whether the
    /// service serves an authority; `open_offer` whether the child already has an offer waiting.
    pub fn offer(
        id: TransferId,
        from: &LocalAuthorityCode,
        offer: TransferOffer,
        child: TransferChildSummary,
        served: impl Fn(&LocalAuthorityCode) -> bool,
        open_offer: bool,
        now: DateTime<Utc>,
    ) -> Result<(Transfer, TransferEvent), FieldErrors> {
        let mut errors = FieldErrors::new();
        if offer.to == *from {
            errors.push(FieldError::new(
                "toLocalAuthority",
                ErrorCode::OutOfRange,
                "the child is already this authority's: a transfer goes to another authority",
            ));
        } else if !served(&offer.to) {
            errors.push(FieldError::new(
                "toLocalAuthority",
                ErrorCode::NotFound,
                "the service does not serve this authority",
            ));
        }
        if open_offer {
            errors.push(FieldError::new(
                "childId",
                ErrorCode::InvalidTransition,
                "the child already has a transfer offer waiting: withdraw it first",
            ));
        }
        let note = errors.take(note_of("note", offer.note));
        if offer.reason == TransferReason::Other && note.as_ref().is_none_or(Option::is_none) {
            errors.push(FieldError::new(
                "note",
                ErrorCode::Required,
                "a transfer for another reason must say which in its note",
            ));
        }
        let today = uk_date(now);
        let days = (offer.responsibility_from - today).num_days();
        if !(-MOST_DAYS_BACKDATED..=MOST_DAYS_AHEAD).contains(&days) {
            errors.push(FieldError::new(
                "responsibilityFrom",
                ErrorCode::OutOfRange,
                format!(
                    "from {MOST_DAYS_BACKDATED} days before today to {MOST_DAYS_AHEAD} days after it"
                ),
            ));
        }
        let note = note.flatten();
        errors.into_result(|| {
            let transfer = Transfer {
                id,
                child_id: offer.child_id,
                child,
                from: from.clone(),
                to: offer.to,
                reason: offer.reason,
                responsibility_from: offer.responsibility_from,
                note,
                status: TransferStatus::Offered,
                version: 1,
                offered_at: now,
                ended_at: None,
                decline_note: None,
            };
            let event = TransferEvent {
                transfer_id: id,
                status: TransferStatus::Offered,
                at: now,
            };
            (transfer, event)
        })
    }

    /// Takes `action` by `by` (an authority's code), the caller having read `expected_version`.
    /// Only an offer waiting may be acted on; only the receiver accepts or declines, only the
    /// sender withdraws (another authority is told the transfer does not exist). A decline
    /// must say why (`note`). The same step asked again with the version it was taken from is
    /// [`Acted::AlreadyTaken`], so a retry is safe.
    pub fn act(
        &self,
        action: TransferAction,
        by: &LocalAuthorityCode,
        expected_version: i32,
        note: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Acted, FieldErrors> {
        let party = match action {
            TransferAction::Accept | TransferAction::Decline => &self.to,
            TransferAction::Withdraw => &self.from,
        };
        if by != party {
            return Err(FieldErrors::from(FieldError::new(
                "transferId",
                ErrorCode::NotFound,
                "no such transfer",
            )));
        }
        if self.status == action.outcome() && expected_version.checked_add(1) == Some(self.version)
        {
            return Ok(Acted::AlreadyTaken);
        }
        let mut errors = FieldErrors::new();
        if expected_version != self.version {
            errors.push(FieldError::new(
                "expectedVersion",
                ErrorCode::StaleVersion,
                "the transfer changed since it was read",
            ));
        }
        if self.status != TransferStatus::Offered {
            errors.push(FieldError::new(
                "transferId",
                ErrorCode::InvalidTransition,
                format!("the transfer is {} already", self.status),
            ));
        }
        let note = errors.take(note_of("note", note)).flatten();
        if action == TransferAction::Decline && note.is_none() {
            errors.push(FieldError::new(
                "note",
                ErrorCode::Required,
                "a declined transfer must say why",
            ));
        }
        if now < self.offered_at {
            errors.push(FieldError::new(
                "transferId",
                ErrorCode::BeforePrecedingEvent,
                "the transfer was offered after this moment",
            ));
        }
        errors.into_result(|| {
            let status = action.outcome();
            let transfer = Transfer {
                status,
                version: self.version + 1,
                ended_at: Some(now),
                decline_note: if action == TransferAction::Decline {
                    note
                } else {
                    None
                },
                ..self.clone()
            };
            let event = TransferEvent {
                transfer_id: self.id,
                status,
                at: now,
            };
            Acted::Taken(Box::new(transfer), event)
        })
    }

    /// The transfer's steps, oldest first: its offer, and how it ended if it has.
    pub fn timeline(&self) -> Vec<TransferEvent> {
        let offered = TransferEvent {
            transfer_id: self.id,
            status: TransferStatus::Offered,
            at: self.offered_at,
        };
        let ended = self.ended_at.map(|at| TransferEvent {
            transfer_id: self.id,
            status: self.status,
            at,
        });
        std::iter::once(offered).chain(ended).collect()
    }

    /// Whether `authority` is the sender or the receiver.
    pub fn is_party(&self, authority: &LocalAuthorityCode) -> bool {
        self.from == *authority || self.to == *authority
    }
}

/// Whether an open guardian assignment continues when a child moves from `from` to `to`: only
/// within one guardian service. An Independent Child Trafficking Guardian (England and Wales)
/// does not continue into Scotland or Northern Ireland, whose services are their own statutory
/// schemes; there the assignment ends and the receiving authority requests its own.
pub fn guardian_continues(from: &LocalAuthorityCode, to: &LocalAuthorityCode) -> bool {
    GuardianService::of_nation(from.nation()) == GuardianService::of_nation(to.nation())
}

#[cfg(test)]
mod tests;
