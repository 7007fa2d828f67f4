//! Creating something that must never happen twice (a collection, a payout): sent once, and an
//! unclear outcome settled by looking the merchant reference up and reconciling what is found.

use std::future::Future;

use serde_json::{Map, Value};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::operation::Operation;

/// Sends `op` once (it is never repeated once it may have reached Wattt). When its outcome is
/// unclear (no answer, a 5xx, an answer that cannot be read), `look_up` asks Wattt for the record
/// under `reference`, and `differs` compares that record with the request:
///
/// * found and the same amount / payee: it is this call's result;
/// * found with another amount or payee: [`Error::Conflict`] (an older record under the same
///   reference, never this call's success);
/// * not found, or the lookup failed: [`Error::OutcomeUnknown`] naming `reference`.
///
/// A definite refusal (`ok != 1` with a 2xx/4xx status) is [`Error::Api`]: nothing was created.
pub(crate) async fn create_once<T, L, Fut>(
    client: &Client,
    op: &Operation,
    fields: &Map<String, Value>,
    reference: &str,
    differs: impl Fn(&T) -> Option<String>,
    look_up: L,
) -> Result<T>
where
    T: serde::de::DeserializeOwned,
    L: FnOnce() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let first = match client.send(op, fields, reference).await {
        Ok(mut env) => env.data_as::<T>(op.name),
        Err(e) => Err(e),
    };
    let cause = match first {
        Ok(created) => return Ok(created),
        Err(e @ (Error::OutcomeUnknown { .. } | Error::Decode { .. })) => e,
        Err(definite) => return Err(definite),
    };
    let cause = match cause {
        Error::OutcomeUnknown { reason, .. } => reason,
        other => other.to_string(),
    };
    tracing::warn!(
        operation = op.name,
        "creation outcome unclear; looking it up"
    );
    match look_up().await {
        Ok(found) => match differs(&found) {
            None => Ok(found),
            Some(reason) => Err(Error::Conflict {
                operation: op.name,
                reference: reference.to_owned(),
                reason,
            }),
        },
        Err(lookup) => Err(Error::OutcomeUnknown {
            operation: op.name,
            reference: reference.to_owned(),
            reason: format!("{cause}; the status lookup did not settle it: {lookup}"),
        }),
    }
}

/// `None` when `found` equals `wanted`, else what differs (for [`Error::Conflict`]). A record
/// that does not carry the value at all cannot be confirmed either.
pub(crate) fn compare<T: PartialEq + std::fmt::Display>(
    what: &str,
    wanted: &T,
    found: Option<&T>,
) -> Option<String> {
    match found {
        Some(f) if f == wanted => None,
        Some(f) => Some(format!("its {what} is {f}, this call's is {wanted}")),
        None => Some(format!("its {what} is not given, this call's is {wanted}")),
    }
}
