//! GraphQL object types, one per file. Each wraps a domain value.

pub mod audit_event;
pub mod change;
pub mod change_notification;
pub mod child;
pub mod children_connection_fields;
pub mod decision;
pub mod first_responder;
pub mod guardian_assignment;
pub mod indicator;
pub mod local_authority;
pub mod node;
pub mod nrm_referral;
pub mod outcome;
pub mod outcome_framework;
pub mod outcome_measurement;
pub mod outcome_profile;
pub mod principle;
pub mod rating_level;
pub mod referral_timeline_event;
pub mod report_tables;
pub mod reports;
pub mod user_error;
pub mod viewer;
pub mod work_item;
pub mod worklist_settings;
