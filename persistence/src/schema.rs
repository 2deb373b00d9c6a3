// @generated automatically by Diesel CLI.

diesel::table! {
    audit_events (id) {
        id -> Int8,
        local_authority -> Text,
        occurred_at -> Timestamptz,
        subject -> Text,
        client -> Nullable<Text>,
        child_id -> Nullable<Uuid>,
        action -> Text,
        operation -> Text,
        fields_class -> Array<Nullable<Text>>,
        trace_id -> Nullable<Text>,
        purpose -> Nullable<Text>,
        erasure_reason -> Nullable<Text>,
        document_id -> Nullable<Text>,
        acting_local_authority -> Nullable<Text>,
    }
}

diesel::table! {
    bank_holiday_coverage (nation) {
        nation -> Text,
        first_day -> Date,
        last_day -> Date,
    }
}

diesel::table! {
    bank_holidays (nation, day) {
        nation -> Text,
        day -> Date,
    }
}

diesel::table! {
    changes (position) {
        position -> Int8,
        local_authority -> Text,
        kind -> Text,
        entity_type -> Text,
        entity_id -> Uuid,
        child_id -> Uuid,
        changed_at -> Timestamptz,
    }
}

diesel::table! {
    children (id) {
        id -> Uuid,
        local_authority -> Text,
        local_child_id -> Text,
        upn -> Nullable<Text>,
        nhs_number -> Nullable<Text>,
        date_of_birth -> Date,
        date_of_birth_estimated -> Bool,
        age_disputed -> Bool,
        gender -> Nullable<Text>,
        nationalities -> Array<Nullable<Text>>,
        languages -> Array<Nullable<Text>>,
        interpreter_required -> Bool,
        immigration_status -> Nullable<Text>,
        care_status -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        recorded_by_local_authority -> Nullable<Text>,
    }
}

diesel::table! {
    guardian_assignments (id) {
        id -> Uuid,
        local_authority -> Text,
        child_id -> Uuid,
        service -> Text,
        role -> Text,
        status -> Text,
        requested_at -> Timestamptz,
        assigned_at -> Nullable<Timestamptz>,
        ended_at -> Nullable<Timestamptz>,
        end_reason -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        recorded_by_local_authority -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (local_authority, client, key) {
        local_authority -> Text,
        client -> Text,
        key -> Text,
        operation -> Text,
        fingerprint -> Text,
        entity_id -> Uuid,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    local_authorities (code) {
        code -> Text,
        name -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    nrm_referrals (id) {
        id -> Uuid,
        local_authority -> Text,
        child_id -> Uuid,
        referred_at -> Timestamptz,
        first_responder_type -> Text,
        first_responder_name -> Text,
        exploitation_types -> Array<Nullable<Text>>,
        county_lines -> Bool,
        exploitation_location -> Text,
        competent_authority -> Text,
        status -> Text,
        rg_outcome -> Nullable<Text>,
        rg_decided_at -> Nullable<Timestamptz>,
        cg_outcome -> Nullable<Text>,
        cg_decided_at -> Nullable<Timestamptz>,
        reconsideration_requested_at -> Nullable<Timestamptz>,
        withdrawn_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        reasonable_grounds_due_on -> Date,
        first_rg_outcome -> Nullable<Text>,
        first_rg_decided_at -> Nullable<Timestamptz>,
        home_office_reference -> Nullable<Text>,
        recorded_by_local_authority -> Nullable<Text>,
    }
}

diesel::table! {
    outcome_frameworks (version) {
        version -> Text,
        definition -> Jsonb,
        is_current -> Bool,
        loaded_at -> Timestamptz,
    }
}

diesel::table! {
    outcome_measurements (id) {
        id -> Uuid,
        local_authority -> Text,
        child_id -> Uuid,
        framework_version -> Text,
        outcome_key -> Text,
        observed_at -> Timestamptz,
        recorded_by -> Text,
        recorded_at -> Timestamptz,
        young_person_participated -> Bool,
        young_person_rating -> Nullable<Int4>,
        young_person_words -> Nullable<Text>,
        practitioner_rating -> Nullable<Int4>,
        practitioner_note -> Nullable<Text>,
        indicators_met -> Array<Nullable<Text>>,
        supersedes -> Nullable<Uuid>,
        recorded_by_local_authority -> Nullable<Text>,
    }
}

diesel::table! {
    referral_events (id) {
        id -> Int8,
        local_authority -> Text,
        referral_id -> Uuid,
        kind -> Text,
        at -> Timestamptz,
        outcome -> Nullable<Text>,
        recorded_by -> Text,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    transfers (id) {
        id -> Uuid,
        child_id -> Uuid,
        from_local_authority -> Text,
        to_local_authority -> Text,
        reason -> Text,
        responsibility_from -> Date,
        note -> Nullable<Text>,
        child_age_years -> Int4,
        child_age_disputed -> Bool,
        open_referrals -> Bool,
        open_guardian_assignments -> Bool,
        status -> Text,
        version -> Int4,
        offered_at -> Timestamptz,
        ended_at -> Nullable<Timestamptz>,
        decline_note -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    trusted_documents (client, document_id) {
        client -> Text,
        document_id -> Text,
        body -> Text,
        added_at -> Timestamptz,
    }
}

diesel::table! {
    worklist_settings (local_authority) {
        local_authority -> Text,
        guardian_request_days -> Int4,
        guardian_assignment_days -> Int4,
        measurement_interval_days -> Int4,
        young_person_view_window -> Int4,
        turning_18_days -> Int4,
        recovery_period_ending_days -> Int4,
        reconsideration_waiting_days -> Int4,
        version -> Int4,
        updated_at -> Timestamptz,
        updated_by -> Text,
    }
}

diesel::joinable!(audit_events -> local_authorities (local_authority));
diesel::joinable!(bank_holidays -> bank_holiday_coverage (nation));
diesel::joinable!(changes -> local_authorities (local_authority));
diesel::joinable!(children -> local_authorities (local_authority));
diesel::joinable!(idempotency_keys -> local_authorities (local_authority));
diesel::joinable!(outcome_measurements -> outcome_frameworks (framework_version));
diesel::joinable!(worklist_settings -> local_authorities (local_authority));

diesel::allow_tables_to_appear_in_same_query!(
    audit_events,
    bank_holiday_coverage,
    bank_holidays,
    changes,
    children,
    guardian_assignments,
    idempotency_keys,
    local_authorities,
    nrm_referrals,
    outcome_frameworks,
    outcome_measurements,
    referral_events,
    transfers,
    trusted_documents,
    worklist_settings,
);
