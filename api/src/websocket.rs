//! `GET /graphql/ws`: subscriptions over `graphql-transport-ws`. The token comes in the
//! `connection_init` payload (`{"Authorization": "Bearer …"}`), checked by the same rules as for
//! `POST /graphql`; the connection is closed (4401) when it expires.

mod quota;

use std::collections::HashSet;
use std::future::Future;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_graphql::http::{WebSocket as GraphQLWebSocket, WebSocketProtocols, WsMessage};
use async_graphql::Data;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures::{SinkExt as _, StreamExt as _};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use stable_futures_domain::documents::DocumentId;

use crate::graphql::errors::ApiError;
use crate::graphql::AppSchema;
use tokio_util::sync::CancellationToken;

pub use quota::{ConnectionPermit, ConnectionQuota};

/// The one protocol spoken (the older `subscriptions-transport-ws` is not).
pub const PROTOCOL: &str = "graphql-transport-ws";

/// Close code when the token expires (as graphql-ws uses 4401 for "unauthorized").
const TOKEN_EXPIRED: u16 = 4401;

/// Close code of a refused `connection_init`, as the protocol specifies.
const FORBIDDEN: u16 = 4403;

/// WebSocket's "policy violation": a client over its limit of connections. graphql-ws clients do
/// not retry it on their own, which is right while the client's other connections stay open.
const POLICY_VIOLATION: u16 = 1008;

/// WebSocket's "try again later".
const TRY_AGAIN_LATER: u16 = 1013;

/// WebSocket's "protocol error".
const PROTOCOL_ERROR: u16 = 1002;

/// WebSocket's "going away": sent to every connection when the process shuts down.
const GOING_AWAY: u16 = 1001;

/// A client that has not pinged within this time is sent a ping; one that does not answer in
/// time is disconnected.
const KEEPALIVE: Duration = Duration::from_secs(30);

/// The bearer token of a `connection_init` payload: `Authorization` (any case) with or without
/// the `Bearer ` prefix.
pub fn init_token(payload: &serde_json::Value) -> Option<String> {
    let fields = payload.as_object()?;
    let value = fields
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))?
        .1
        .as_str()?
        .trim();
    let token = match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        Some(_) => return None,
        None if value.eq_ignore_ascii_case("bearer") => return None,
        None => value,
    };
    (!token.is_empty()).then(|| token.to_owned())
}

/// When a token accepted until `expires` (seconds since the epoch) runs out, on the monotonic
/// clock.
pub fn deadline(expires: u64) -> Instant {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_secs())
        .unwrap_or(0);
    Instant::now() + Duration::from_secs(expires.saturating_sub(now))
}

/// What a connection's `connection_init` established: its data, when its token expires, and the
/// documents it may subscribe with (`None`: any; `Some`: only these, its client's registered
/// trusted documents).
#[derive(Debug)]
pub struct Accepted {
    pub data: Data,
    pub expires: Instant,
    pub documents: Option<HashSet<DocumentId>>,
}

/// Why a `connection_init` was refused; each has its close code.
#[derive(Debug)]
pub enum Refusal {
    /// No valid token for a served local authority: 4403, as the protocol says.
    Forbidden(async_graphql::Error),
    /// The caller already holds as many connections as it may: 1008.
    TooManyConnections,
    /// The token could not be checked for now (the database did not answer): 1013, "try again
    /// later", which graphql-ws clients retry.
    Unavailable(async_graphql::Error),
}

impl Refusal {
    fn close_code(&self) -> u16 {
        match self {
            Refusal::Forbidden(_) => FORBIDDEN,
            Refusal::TooManyConnections => POLICY_VIOLATION,
            Refusal::Unavailable(_) => TRY_AGAIN_LATER,
        }
    }

    fn into_error(self) -> async_graphql::Error {
        match self {
            Refusal::Forbidden(error) | Refusal::Unavailable(error) => error,
            Refusal::TooManyConnections => {
                async_graphql::Error::new("too many subscription connections for this client")
            }
        }
    }
}

/// Serves one connection. `authenticate` turns the `connection_init` payload into the
/// connection's data and its token's deadline, or refuses it (the connection is then closed with
/// the refusal's code). It closes with 1001 when `shutdown` is cancelled: an upgraded connection
/// is no longer the HTTP server's, so outside its graceful shutdown.
pub async fn serve<A, F>(
    socket: WebSocket,
    schema: AppSchema,
    shutdown: CancellationToken,
    authenticate: A,
) where
    A: FnOnce(serde_json::Value) -> F + Send + 'static,
    F: Future<Output = Result<Accepted, Refusal>> + Send + 'static,
{
    let (deadline_sender, mut deadline) = watch::channel(None::<Instant>);
    // The close code of a refused `connection_init`; 0 while none was refused.
    let refused = Arc::new(AtomicU16::new(0));
    // Which documents the connection may subscribe with, once `connection_init` said who it is.
    let documents: Arc<OnceLock<Option<HashSet<DocumentId>>>> = Arc::default();
    let on_init = {
        let refused = refused.clone();
        let documents = documents.clone();
        move |payload| async move {
            match authenticate(payload).await {
                Ok(accepted) => {
                    let _ = deadline_sender.send(Some(accepted.expires));
                    let _ = documents.set(accepted.documents);
                    Ok(accepted.data)
                }
                Err(refusal) => {
                    refused.store(refusal.close_code(), Ordering::Relaxed);
                    Err(refusal.into_error())
                }
            }
        }
    };
    let (mut sink, incoming) = socket.split();
    let active = Arc::new(Mutex::new(Subscriptions::default()));
    let (refusals, mut refused_subscriptions) = mpsc::unbounded_channel::<String>();
    let incoming = incoming
        .take_while(|message| std::future::ready(message.is_ok()))
        .filter_map({
            let active = active.clone();
            let documents = documents.clone();
            move |message| {
                let bytes = match message {
                    Ok(Message::Text(text)) => Some(text.as_bytes().to_vec()),
                    Ok(Message::Binary(bytes)) => Some(bytes.to_vec()),
                    _ => None,
                };
                let admitted = bytes.filter(|bytes| match lock(&active).admit(bytes, &documents) {
                    Ok(()) => true,
                    Err(refusal) => {
                        let _ = refusals.send(refusal);
                        false
                    }
                });
                std::future::ready(admitted)
            }
        });
    let outgoing = GraphQLWebSocket::new(schema, incoming, WebSocketProtocols::GraphQLWS)
        .on_connection_init(on_init)
        .keepalive_timeout(KEEPALIVE);
    let mut outgoing = std::pin::pin!(outgoing);
    let mut shutdown = std::pin::pin!(shutdown.cancelled());
    loop {
        let expires = *deadline.borrow();
        let expired = async {
            match expires {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            Some(refusal) = refused_subscriptions.recv() => {
                if sink.send(Message::Text(refusal.into())).await.is_err() {
                    break;
                }
            }
            message = outgoing.next() => {
                let message = match message {
                    Some(WsMessage::Text(text)) => {
                        lock(&active).observe(&text);
                        Message::Text(text.into())
                    }
                    Some(WsMessage::Close(code, reason)) => {
                        // async-graphql closes a refused `connection_init` with 1002; the
                        // refusal says which code tells the client why.
                        let refusal = refused.load(Ordering::Relaxed);
                        let code = if code == PROTOCOL_ERROR && refusal != 0 {
                            refusal
                        } else {
                            code
                        };
                        close(code, &reason)
                    }
                    None => break,
                };
                let closing = matches!(message, Message::Close(_));
                if sink.send(message).await.is_err() || closing {
                    break;
                }
            }
            () = expired => {
                let _ = sink.send(close(TOKEN_EXPIRED, "token expired")).await;
                break;
            }
            () = &mut shutdown => {
                let _ = sink.send(close(GOING_AWAY, "server shutting down")).await;
                break;
            }
            Ok(()) = deadline.changed() => {}
        }
    }
}

/// The subscriptions one connection may run at once. Each one reads its authority's feed when a
/// change commits, so a client must not multiply that work without bound.
pub const MAX_SUBSCRIPTIONS: usize = 20;

/// The ids of a connection's running subscriptions, from the protocol's messages: a `subscribe`
/// from the client starts one; a `complete` from either side, or an `error` from the server, ends
/// it.
#[derive(Debug, Default)]
struct Subscriptions(HashSet<String>);

#[derive(serde::Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    id: Option<String>,
}

/// The document of a `subscribe` message.
#[derive(serde::Deserialize)]
struct Subscribe {
    payload: SubscribePayload,
}

#[derive(serde::Deserialize)]
struct SubscribePayload {
    #[serde(default)]
    query: String,
}

/// The protocol's `error` message for subscription `id`.
fn error_message(id: &str, message: &str, code: &str) -> String {
    serde_json::json!({
        "id": id,
        "type": "error",
        "payload": [{ "message": message, "extensions": { "code": code } }],
    })
    .to_string()
}

impl Subscriptions {
    /// Whether a client message may go on to the engine; a `subscribe` beyond the limit, or
    /// with a document the connection may not use (`documents`, once set: see [`Accepted`]),
    /// is answered instead with the protocol's `error` message for its id.
    fn admit(
        &mut self,
        message: &[u8],
        documents: &OnceLock<Option<HashSet<DocumentId>>>,
    ) -> Result<(), String> {
        let Ok(Envelope { kind, id: Some(id) }) = serde_json::from_slice::<Envelope>(message)
        else {
            return Ok(());
        };
        match kind.as_str() {
            "subscribe" if !self.0.contains(&id) && self.0.len() >= MAX_SUBSCRIPTIONS => {
                Err(error_message(
                    &id,
                    &format!("at most {MAX_SUBSCRIPTIONS} subscriptions at once on one connection"),
                    "RATE_LIMITED",
                ))
            }
            "subscribe" if !registered(message, documents) => Err(error_message(
                &id,
                &ApiError::PersistedQueryNotFound.message(),
                ApiError::PersistedQueryNotFound.code(),
            )),
            "subscribe" => {
                self.0.insert(id);
                Ok(())
            }
            "complete" => {
                self.0.remove(&id);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Notes the end of a subscription the server ended.
    fn observe(&mut self, message: &str) {
        if let Ok(Envelope { kind, id: Some(id) }) = serde_json::from_str::<Envelope>(message) {
            if kind == "complete" || kind == "error" {
                self.0.remove(&id);
            }
        }
    }
}

/// Whether a `subscribe` message's document is one the connection may use: any before
/// `connection_init` is accepted (the engine refuses a subscription before it) and where any
/// document may run; else one of the client's registered documents, by its exact text.
fn registered(message: &[u8], documents: &OnceLock<Option<HashSet<DocumentId>>>) -> bool {
    let Some(Some(allowed)) = documents.get() else {
        return true;
    };
    serde_json::from_slice::<Subscribe>(message)
        .is_ok_and(|subscribe| allowed.contains(&DocumentId::of(&subscribe.payload.query)))
}

/// Locks one of this module's counts or sets. Nothing panics while holding them, so a poisoned
/// one is still correct.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn close(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}

#[cfg(test)]
mod tests {
    use super::init_token;
    use serde_json::json;

    #[test]
    fn the_token_is_read_from_the_authorization_field() {
        assert_eq!(
            init_token(&json!({ "Authorization": "Bearer abc" })).as_deref(),
            Some("abc")
        );
        assert_eq!(
            init_token(&json!({ "authorization": "abc" })).as_deref(),
            Some("abc")
        );
        assert_eq!(init_token(&json!({ "authorization": "Basic abc" })), None);
        assert_eq!(init_token(&json!({ "authorization": "Bearer " })), None);
        assert_eq!(init_token(&json!({ "token": "abc" })), None);
        assert_eq!(init_token(&json!(null)), None);
    }
}
