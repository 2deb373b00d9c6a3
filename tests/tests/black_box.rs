//! Black-box tests: the real router on a real port, real tokens, a real PostgreSQL database per
//! test (copied from a migrated template), all in one process so they share one cluster.

mod black_box {
    mod audit;
    mod auth;
    mod bad_input;
    mod child_list;
    mod cost_and_rate_limits;
    mod faults;
    mod guardian_and_outcome_reports;
    mod happy_path;
    mod hardening;
    mod http_surface;
    mod identifiers;
    mod identity_providers;
    mod issuers;
    mod load;
    mod record_lists;
    mod reports;
    mod reports_across_authorities;
    mod scopes;
    mod scopes_and_audit;
    mod statements;
    mod tenancy;
    mod transfers;
    mod trusted_documents;
    mod worklists;
}
