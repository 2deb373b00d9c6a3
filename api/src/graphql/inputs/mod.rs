//! Mutation inputs, one per file.

pub mod assign_guardian_input;
pub mod end_guardian_assignment_input;
pub mod erase_child_input;
pub mod first_responder_input;
pub mod record_conclusive_grounds_decision_input;
pub mod record_outcome_measurement_input;
pub mod record_reasonable_grounds_decision_input;
pub mod register_child_input;
pub mod request_guardian_input;
pub mod request_reconsideration_input;
pub mod submit_referral_input;
pub mod update_child_input;
pub mod withdraw_referral_input;
