//! The words of the NRM: who refers, who decides, what was decided, what the referral is about.

string_enum! {
    /// Exploitation types as the Home Office statistics use them; several may apply.
    pub enum ExploitationType {
        Sexual => "SEXUAL",
        Labour => "LABOUR",
        Criminal => "CRIMINAL",
        DomesticServitude => "DOMESTIC_SERVITUDE",
        OrganHarvesting => "ORGAN_HARVESTING",
        Unknown => "UNKNOWN",
    }
}

string_enum! {
    /// Where the exploitation took place.
    pub enum ExploitationLocation {
        Uk => "UK",
        Overseas => "OVERSEAS",
        UkAndOverseas => "UK_AND_OVERSEAS",
    }
}

string_enum! {
    /// Who makes the decisions on a referral.
    pub enum CompetentAuthority {
        /// Single Competent Authority (Home Office).
        Sca => "SCA",
        /// Immigration Enforcement Competent Authority.
        Ieca => "IECA",
        /// A local multi-agency panel in the Devolved Decision-Making pilot.
        DdmPanel => "DDM_PANEL",
    }
}

string_enum! {
    /// The kind of first responder organisation that made the referral. Individual organisations
    /// are named in `organisation_name`: the list of designated organisations changes, so it is
    /// data, not a type.
    pub enum FirstResponderType {
        Police => "POLICE",
        LocalAuthority => "LOCAL_AUTHORITY",
        HealthAndSocialCareTrust => "HEALTH_AND_SOCIAL_CARE_TRUST",
        UkVisasAndImmigration => "UK_VISAS_AND_IMMIGRATION",
        BorderForce => "BORDER_FORCE",
        ImmigrationEnforcement => "IMMIGRATION_ENFORCEMENT",
        NationalCrimeAgency => "NATIONAL_CRIME_AGENCY",
        GangmastersAndLabourAbuseAuthority => "GANGMASTERS_AND_LABOUR_ABUSE_AUTHORITY",
        DesignatedNonGovernmentalOrganisation => "DESIGNATED_NGO",
    }
}

string_enum! {
    pub enum DecisionOutcome {
        Positive => "POSITIVE",
        Negative => "NEGATIVE",
    }
}

string_enum! {
    /// Where a referral stands.
    pub enum ReferralStatus {
        Submitted => "SUBMITTED",
        RgPositive => "RG_POSITIVE",
        RgNegative => "RG_NEGATIVE",
        CgPositive => "CG_POSITIVE",
        CgNegative => "CG_NEGATIVE",
        Withdrawn => "WITHDRAWN",
    }
}

string_enum! {
    /// What happened to a referral, in its timeline.
    pub enum ReferralEventKind {
        Submitted => "SUBMITTED",
        ReasonableGroundsDecision => "REASONABLE_GROUNDS_DECISION",
        ConclusiveGroundsDecision => "CONCLUSIVE_GROUNDS_DECISION",
        ReconsiderationRequested => "RECONSIDERATION_REQUESTED",
        Withdrawn => "WITHDRAWN",
        /// The child, and the referral with them, moved to another authority: the events before
        /// it were recorded there.
        Transferred => "TRANSFERRED",
    }
}
