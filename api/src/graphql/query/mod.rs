//! The query root, merged from one object per area, as the mutations are.

mod audit;
mod children;
mod feed;
mod guardians;
mod nodes;
mod outcomes;
pub mod rate_limit;
mod reference;
mod referrals;
mod reports;
mod transfers;
mod viewer;
mod worklists;

use async_graphql::MergedObject;

#[derive(Debug, Default, MergedObject)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    viewer::ViewerQuery,
    nodes::NodeQueries,
    children::ChildQueries,
    referrals::ReferralQueries,
    guardians::GuardianQueries,
    outcomes::OutcomeQueries,
    feed::FeedQueries,
    audit::AuditQueries,
    reference::ReferenceQueries,
    worklists::WorklistQueries,
    reports::ReportQueries,
);
