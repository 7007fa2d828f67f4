//! Money-moving calls sent at most once in effect: the one place where an unknown outcome is
//! settled by looking the record up. Create, cancel and refund all go through [`send_once`].

use std::future::Future;
use std::time::Instant;

use crate::client::{Decode, Request};
use crate::error::Error;
use crate::Client;

/// What a lookup after an unknown outcome found.
pub(crate) enum Settled<R> {
    /// The call took effect: this is its result.
    Done(R),
    /// The call certainly did not take effect: it may be sent again (re-signed).
    NotThere,
    /// A record with the same merchant reference that is not this call's result.
    Conflict(String),
    /// The lookup could not tell.
    Unclear(String),
}

/// Sends `req` through the client's send path; when its outcome is unknown, asks `settle`
/// (if the operation has a lookup) and sends again only when the lookup says it did not take
/// effect, within the retry policy's attempts and budget.
///
/// `echoes_earlier` names an answer that, after an earlier unknown outcome, says that earlier
/// attempt took effect (for a create: `DUPLICATE_PENDING_ORDER`): it is settled the same way.
pub(crate) async fn send_once<T, R, L, Fut>(
    client: &Client,
    req: &Request<'_>,
    decode: Decode<T>,
    wrap: fn(T) -> R,
    echoes_earlier: fn(&Error) -> bool,
    settle: Option<L>,
) -> Result<R, Error>
where
    L: Fn() -> Fut,
    Fut: Future<Output = Settled<R>>,
{
    let policy = client.retry_policy();
    let started = Instant::now();
    // Why the latest unknown outcome was unknown (kept after a lookup found nothing: that
    // attempt may still be in flight and land later).
    let mut unknown: Option<String> = None;
    let mut rounds = 0u32;
    loop {
        rounds += 1;
        match client.send(req, decode).await {
            Ok(v) => return Ok(wrap(v)),
            Err(Error::OutcomeUnknown { reason, .. }) => unknown = Some(reason),
            Err(e) if unknown.is_some() && echoes_earlier(&e) => {}
            Err(e) => {
                return Err(match unknown {
                    // After an unsettled unknown outcome, a failure that decides nothing
                    // (not sent, throttled, a timeout) leaves the earlier attempt in doubt.
                    Some(earlier) if e.kind().is_retryable() => {
                        req.outcome_unknown(format!("{earlier}; then {e}"))
                    }
                    _ => e,
                });
            }
        }
        let reason = unknown.clone().unwrap_or_default();
        let Some(settle) = &settle else {
            return Err(req.outcome_unknown(strip_hint(req, &reason)));
        };
        match settle().await {
            Settled::Done(r) => return Ok(r),
            Settled::Conflict(why) => {
                return Err(Error::Conflict {
                    operation: req.op.name,
                    reference: req.reference.to_owned(),
                    reason: why,
                })
            }
            Settled::Unclear(why) => {
                return Err(req.outcome_unknown(format!(
                    "{}; the lookup did not settle it: {why}",
                    strip_hint(req, &reason)
                )))
            }
            Settled::NotThere => {
                if rounds >= policy.max_attempts || started.elapsed() >= policy.max_elapsed {
                    return Err(req.outcome_unknown(format!(
                        "{}; the lookup did not find it, and the retry budget is used up",
                        strip_hint(req, &reason)
                    )));
                }
                tokio::time::sleep(policy.backoff(rounds)).await;
            }
        }
    }
}

/// The reason without the operation's hint, which [`Request::outcome_unknown`] appends again.
fn strip_hint<'a>(req: &Request<'_>, reason: &'a str) -> &'a str {
    if req.op.if_unknown.is_empty() {
        return reason;
    }
    reason
        .strip_suffix(req.op.if_unknown)
        .and_then(|r| r.strip_suffix("; "))
        .unwrap_or(reason)
}
