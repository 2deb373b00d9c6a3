//! `GET /graphql/ws`: the WebSocket upgrade for subscriptions, and who the connection is for.

use std::sync::Arc;

use axum::extract::{State, WebSocketUpgrade};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;

use super::identity::{identify, Refusal};
use super::responses::answer;
use super::state::AppState;
use crate::auth::TokenError;
use crate::caller::Subscriber;
use crate::config::DocumentPolicy;
use crate::graphql::errors::ApiError;
use crate::websocket;

/// `GET /graphql/ws`: a WebSocket for subscriptions (see `crate::websocket`).
pub(super) async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let offered = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|protocol| protocol.trim() == websocket::PROTOCOL);
    if !offered {
        let error = ApiError::BadUserInput(format!(
            "subscriptions need the {} WebSocket subprotocol",
            websocket::PROTOCOL
        ));
        return answer(StatusCode::BAD_REQUEST, &error);
    }
    let schema = state.0.schema.clone();
    let shutdown = state.0.shutdown.clone();
    upgrade
        .protocols([websocket::PROTOCOL])
        .on_upgrade(move |socket| {
            websocket::serve(socket, schema, shutdown, move |payload| async move {
                state.authenticate_subscriber(&payload).await
            })
        })
}

impl AppState {
    /// The data of a subscription connection from its `connection_init` payload, and when its
    /// token expires. Refused (and logged, without the token) as `POST /graphql` refuses.
    async fn authenticate_subscriber(
        &self,
        payload: &serde_json::Value,
    ) -> Result<websocket::Accepted, websocket::Refusal> {
        let state = &self.0;
        let token = websocket::init_token(payload);
        let caller = match identify(state, token.as_deref().ok_or(TokenError::Missing)).await {
            Ok(caller) => caller,
            Err(Refusal::Unauthenticated(reason)) => {
                tracing::info!(reason = %reason, "subscription token refused");
                return Err(websocket::Refusal::Forbidden(
                    ApiError::Unauthenticated.into(),
                ));
            }
            Err(Refusal::Unavailable(error)) => {
                return Err(websocket::Refusal::Unavailable(error.into()))
            }
        };
        let (principal, expires) = (caller.principal, caller.expires);
        let documents = match state.documents.policy() {
            DocumentPolicy::Any => None,
            DocumentPolicy::Registered => {
                match state
                    .database
                    .trusted_document_ids(principal.client_or_subject())
                    .await
                {
                    Ok(ids) => Some(ids.into_iter().collect()),
                    Err(error) => {
                        return Err(websocket::Refusal::Unavailable(
                            ApiError::from(error).into(),
                        ))
                    }
                }
            }
        };
        let Some(permit) = state.connections.admit(&principal) else {
            tracing::info!(
                limit = state.connections.limit(),
                "subscription connection refused: the client holds its limit"
            );
            return Err(websocket::Refusal::TooManyConnections);
        };
        let mut data = async_graphql::Data::default();
        // Counted until the connection ends and its data is dropped.
        data.insert(permit);
        data.insert(Subscriber {
            db: state.database.for_principal(Arc::new(principal)),
            notifier: state.notifier.clone(),
        });
        Ok(websocket::Accepted {
            data,
            expires: websocket::deadline(expires),
            documents,
        })
    }
}
