//! Verifying the notifications Wattt posts to `notify_url` / `reverse_url`, and telling a
//! first delivery from a re-delivery.
//!
//! [`Verifier::verify`] takes the raw body (JSON or `application/x-www-form-urlencoded`,
//! told apart by its first non-blank byte), already-parsed form parameters, or a JSON object;
//! checks `sign` in constant time; and returns a typed [`Notification`]. It is pure: call it from
//! any web framework. Wattt signs notifications with the same rule as requests (the SDK's
//! default contract, [`WatttSign`](crate::WatttSign)): every non-empty top-level string,
//! number or boolean except `sign`, numbers exactly as written, sorted by key,
//! `md5(k=v&…&key=SECRET)`.
//!
//! Wattt re-sends a notification until it is acknowledged (and [`crate::Callbacks::retry`]
//! asks it to). [`Verifier::verify_and_record`] verifies, then records the event key
//! (`orderid` for a collection or `serial_no` for a payout, plus `status`) in a
//! [`ReplayGuard`]: the first delivery of an event is [`Delivery::First`] (process it, then
//! answer [`ACK`]); a later one is [`Delivery::Repeat`] (answer [`ACK`] again, do not process it
//! twice). Keys are kept for the guard's event retention (7 days by default); share one Redis
//! store between web servers so that what one accepted, the others report as a repeat. A store
//! that does not answer is [`Error::StoreUnavailable`]: answer 503 so Wattt delivers later.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use wattt_sdk::webhook::{Verifier, NotificationKind};
//! use wattt_sdk::Secret;
//! // A body as Wattt would send it (signed here with sign-core's implementation of the rule).
//! let secret = Secret::new("s3cret");
//! let mut fields = serde_json::Map::new();
//! fields.insert("orderid".into(), "COL1".into());
//! fields.insert("amount".into(), 2500.into());
//! fields.insert("status".into(), "success".into());
//! let sign = sign_core::wattt::sign_json(&fields, &secret);
//! fields.insert("sign".into(), sign.into());
//! let body = serde_json::to_vec(&fields)?;
//!
//! let verifier = Verifier::new("s3cret")?; // memory guard; see with_replay_guard for Redis
//! let first = verifier.verify_and_record(&body[..]).await?;
//! assert!(first.is_first());
//! assert_eq!(first.event.kind, NotificationKind::Collection);
//! let again = verifier.verify_and_record(&body[..]).await?;
//! assert!(!again.is_first()); // a re-delivery: acknowledge, do not process twice
//! assert!(Verifier::new("other")?.verify(&body[..]).is_err());
//! assert!(Verifier::new("").is_err()); // an empty secret is refused
//! # Ok(()) }
//! ```

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use sign_core::replay::GuardError;
pub use sign_core::replay::{Delivery, Received, ReplayGuard};
use sign_core::{Secret, VerifyError};

use crate::error::{Error, Result};
use crate::money::{de_opt_decimal, ser_opt_decimal};
use crate::signer::Signer;
use crate::status::OrderStatus;

/// The body to answer a notification with once it is handled (or recognised as a repeat).
/// The spec does not name one; `success` is what Wattt's merchant integrations answer.
pub const ACK: &str = "success";

/// A notification payload in one of the accepted shapes.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Payload<'a> {
    /// The raw request body: JSON object or form-encoded (auto-detected).
    Raw(&'a [u8]),
    /// An already-parsed JSON object. Numbers are then checked as serde_json re-renders them
    /// (`12.50` becomes `12.5`); pass the raw body ([`Payload::Raw`]) to verify numbers exactly
    /// as Wattt wrote them.
    Json(&'a Map<String, Value>),
    /// Already-parsed form parameters.
    Params(Vec<(String, String)>),
}

impl<'a> From<&'a [u8]> for Payload<'a> {
    fn from(b: &'a [u8]) -> Self {
        Payload::Raw(b)
    }
}
impl<'a> From<&'a Vec<u8>> for Payload<'a> {
    fn from(b: &'a Vec<u8>) -> Self {
        Payload::Raw(b)
    }
}
impl<'a> From<&'a str> for Payload<'a> {
    fn from(b: &'a str) -> Self {
        Payload::Raw(b.as_bytes())
    }
}
impl<'a> From<&'a String> for Payload<'a> {
    fn from(b: &'a String) -> Self {
        Payload::Raw(b.as_bytes())
    }
}
impl<'a> From<&'a Map<String, Value>> for Payload<'a> {
    fn from(m: &'a Map<String, Value>) -> Self {
        Payload::Json(m)
    }
}
impl<'a> From<&'a [(String, String)]> for Payload<'a> {
    fn from(p: &'a [(String, String)]) -> Self {
        Payload::Params(p.to_vec())
    }
}
impl<'a> From<&'a HashMap<String, String>> for Payload<'a> {
    fn from(p: &'a HashMap<String, String>) -> Self {
        Payload::Params(p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    }
}
impl<'a> From<&'a BTreeMap<String, String>> for Payload<'a> {
    fn from(p: &'a BTreeMap<String, String>) -> Self {
        Payload::Params(p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    }
}

/// What a notification is about. Displays (and serializes) as `collection`, `payout` or
/// `unknown`.
///
/// ```
/// assert_eq!(wattt_sdk::NotificationKind::Payout.to_string(), "payout");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum NotificationKind {
    /// A collection (has `orderid`, or `type: collection`).
    Collection,
    /// A payout (has `serial_no`, or `type: payout`).
    Payout,
    /// Neither could be told.
    #[default]
    Unknown,
}

impl NotificationKind {
    /// `collection`, `payout` or `unknown`.
    pub fn as_str(&self) -> &'static str {
        match self {
            NotificationKind::Collection => "collection",
            NotificationKind::Payout => "payout",
            NotificationKind::Unknown => "unknown",
        }
    }
}

impl fmt::Display for NotificationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A verified notification. Fields a merchant needs are typed; every other field (except
/// `sign`) is in `extra`.
///
/// ```
/// // Decoding alone checks nothing: use `Verifier::verify` on received bodies.
/// let n: wattt_sdk::Notification = serde_json::from_str(r#"{"serial_no":"P1","status":"failed"}"#)?;
/// assert_eq!(n.status.map(|s| s.to_string()).as_deref(), Some("failed"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Notification {
    /// Collection or payout (from `type`, else from which reference is present).
    #[serde(skip_deserializing)]
    pub kind: NotificationKind,
    /// The collection's `orderid`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub orderid: Option<String>,
    /// The payout's `serial_no`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub serial_no: Option<String>,
    /// The merchant's order number.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub merchant_order_no: Option<String>,
    /// Amount.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de_opt_decimal",
        serialize_with = "ser_opt_decimal"
    )]
    pub amount: Option<Decimal>,
    /// Status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<OrderStatus>,
    /// Merchant `uid`, when sent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub uid: Option<String>,
    /// Unix `timestamp`, when sent (check its age yourself if you need to).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_i64"
    )]
    pub timestamp: Option<i64>,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

enum Check {
    Secret(Secret),
    Signer(Arc<dyn Signer>),
}

/// Checks Wattt notifications: the signature (with the merchant's API secret or a custom
/// [`Signer`]), an optional timestamp window, and duplicate delivery through a
/// [`ReplayGuard`]. Cheap to clone; share one per process (the guard inside is shared).
///
/// ```
/// use std::time::Duration;
/// use wattt_sdk::webhook::{ReplayGuard, Verifier};
/// let v = Verifier::new("s3cret")?
///     .with_replay_guard(ReplayGuard::memory().with_event_retention(Duration::from_secs(3 * 24 * 3600)))
///     .with_tolerance(Duration::from_secs(600));
/// assert!(!format!("{v:?}").contains("s3cret"));
/// # Ok::<(), wattt_sdk::Error>(())
/// ```
#[derive(Clone)]
pub struct Verifier {
    check: Arc<Check>,
    guard: ReplayGuard,
    tolerance: Option<Duration>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let check: &dyn fmt::Debug = match &*self.check {
            Check::Secret(s) => s,
            Check::Signer(s) => s,
        };
        f.debug_struct("Verifier")
            .field("check", check)
            .field("tolerance", &self.tolerance)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// A verifier with the merchant's API secret (the default contract). An empty secret is
    /// refused ([`Error::Config`] naming `secret`): with it anyone could sign a notification.
    pub fn new(secret: impl Into<Secret>) -> Result<Verifier> {
        let secret = secret.into();
        if secret.expose().is_empty() {
            return Err(Error::config(
                "secret",
                "must not be empty (anyone could sign a notification with an empty key)",
            ));
        }
        Ok(Self::with_check(Check::Secret(secret)))
    }

    /// A verifier with a custom [`Signer`] (for merchants on another signing contract). The
    /// signer recomputes `sign` and it is compared in constant time. A JSON body's fields are
    /// handed to [`Signer::sign_params`] as text exactly as written (`12.50` stays `12.50`).
    pub fn with_signer(signer: impl Signer + 'static) -> Verifier {
        Self::with_check(Check::Signer(Arc::new(signer)))
    }

    fn with_check(check: Check) -> Verifier {
        Verifier {
            check: Arc::new(check),
            guard: ReplayGuard::memory(),
            tolerance: None,
        }
    }

    sign_core::replay_setters!(
        guard,
        r#"wattt_sdk::webhook::Verifier::new("s3cret").unwrap()"#
    );
    sign_core::replay_setters!(
        tolerance: tolerance,
        Option<Duration>,
        "Once set, the notification's `timestamp` (Unix seconds, signed with the body) must be present and within it. Off (`None`) by default: the spec does not say that notifications carry one.",
        r#"wattt_sdk::webhook::Verifier::new("s3cret").unwrap()"#
    );

    /// Verify the signature (and the window, when set) against the current time.
    pub fn verify<'a>(&self, payload: impl Into<Payload<'a>>) -> Result<Notification> {
        self.verify_at(payload, SystemTime::now())
    }

    /// Verify as [`Verifier::verify`] with `now` as the current time (for tests). No store is
    /// touched.
    pub fn verify_at<'a>(
        &self,
        payload: impl Into<Payload<'a>>,
        now: SystemTime,
    ) -> Result<Notification> {
        let n = match &*self.check {
            Check::Secret(secret) => verify_secret(payload.into(), secret)?,
            Check::Signer(signer) => verify_signer(payload.into(), signer.as_ref())?,
        };
        if let Some(tolerance) = self.tolerance {
            check_window(n.timestamp, now, tolerance)?;
        }
        Ok(n)
    }

    /// Verify, then record the event key: [`Delivery::First`] the first time this event
    /// (`orderid` or `serial_no`, and `status`) is seen, [`Delivery::Repeat`] after.
    pub async fn verify_and_record<'a>(
        &self,
        payload: impl Into<Payload<'a>>,
    ) -> Result<Received<Notification>> {
        self.verify_and_record_at(payload, SystemTime::now()).await
    }

    /// [`Verifier::verify_and_record`] with `now` as the current time.
    pub async fn verify_and_record_at<'a>(
        &self,
        payload: impl Into<Payload<'a>>,
        now: SystemTime,
    ) -> Result<Received<Notification>> {
        let event = self.verify_at(payload, now)?;
        let key = event_key(&event)?;
        let delivery = self
            .guard
            .record_delivery(&key, now)
            .await
            .map_err(store_error)?;
        Ok(Received::new(event, delivery, key))
    }

    /// Forget a recorded event (see [`Received::key`]), so that its next delivery is
    /// [`Delivery::First`] again: for a handler whose processing failed after recording.
    pub async fn forget(&self, key: &str) -> Result<()> {
        self.guard.forget(key).await.map_err(store_error)
    }
}

fn store_error(e: GuardError) -> Error {
    Error::StoreUnavailable {
        reason: e.to_string(),
    }
}

/// The event key of a verified notification: `wattt:event:` + `orderid:<id>` (collection) or
/// `serial_no:<no>` (payout) + the status's word ([`OrderStatus::as_str`]: a known status in
/// its lowercase wire word however it was written, so a re-delivery that changes only the
/// case is the same event; an unknown status as sent).
///
/// ```
/// let n: wattt_sdk::Notification = serde_json::from_str(r#"{"orderid":"C1","status":"success"}"#)?;
/// assert_eq!(wattt_sdk::webhook::event_key(&n)?, "wattt:event:orderid:C1:success");
/// let shouted: wattt_sdk::Notification = serde_json::from_str(r#"{"orderid":"C1","status":"SUCCESS"}"#)?;
/// assert_eq!(wattt_sdk::webhook::event_key(&shouted)?, "wattt:event:orderid:C1:success");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn event_key(n: &Notification) -> Result<String> {
    let reference = match (&n.kind, &n.orderid, &n.serial_no) {
        (NotificationKind::Payout, _, Some(s)) => ("serial_no", s),
        (_, Some(o), _) => ("orderid", o),
        (_, None, Some(s)) => ("serial_no", s),
        (_, None, None) => {
            return Err(Error::decode(
                "the notification carries neither `orderid` nor `serial_no`, so its delivery \
                 cannot be recorded",
                b"",
            ))
        }
    };
    let status = n.status.as_ref().map(OrderStatus::as_str).ok_or_else(|| {
        Error::decode(
            "the notification carries no `status`, so its delivery cannot be recorded",
            b"",
        )
    })?;
    Ok(ReplayGuard::event_key(
        "wattt",
        &[reference.0, reference.1, status],
    ))
}

fn check_window(timestamp: Option<i64>, now: SystemTime, tolerance: Duration) -> Result<()> {
    let ts = timestamp.ok_or(Error::Signature(VerifyError::MissingField(
        "timestamp".into(),
    )))?;
    let now = match now.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(_) => 0,
    };
    let skew = ts.saturating_sub(now);
    if skew.unsigned_abs() > tolerance.as_secs() {
        return Err(Error::Signature(VerifyError::Expired {
            skew_secs: skew,
            tolerance_secs: tolerance.as_secs(),
        }));
    }
    Ok(())
}

fn not_json(e: serde_json::Error, body: &[u8]) -> Error {
    Error::decode(format!("the body is not a JSON object: {e}"), body)
}

fn verify_secret(payload: Payload<'_>, secret: &Secret) -> Result<Notification> {
    match payload {
        Payload::Raw(body) => {
            if looks_like_json(body) {
                // Numbers are checked exactly as written in the body.
                sign_core::wattt::verify_json_body(body, secret)?;
                typed_body(body)
            } else {
                let params = parse_form(body)?;
                sign_core::wattt::verify_params(
                    params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                    secret,
                )?;
                typed(params_to_map(params), body)
            }
        }
        Payload::Json(map) => {
            sign_core::wattt::verify_json(map, secret)?;
            typed(map.clone(), b"")
        }
        Payload::Params(params) => {
            reject_duplicates(&params)?;
            sign_core::wattt::verify_params(
                params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                secret,
            )?;
            typed(params_to_map(params), b"")
        }
    }
}

/// A JSON object's top-level fields in order, values as written (duplicates kept, to refuse).
struct RawFields<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for RawFields<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = RawFields<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> std::result::Result<Self::Value, M::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<Cow<'de, str>, &'de RawValue>()? {
                    out.push((k, v));
                }
                Ok(RawFields(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// The scalar top-level fields of a JSON body as text exactly as written: strings unescaped,
/// numbers and booleans as their literal text (`12.50` stays `12.50`); objects, arrays and
/// nulls left out (they are not signed).
fn fields_as_written(body: &[u8]) -> Result<Vec<(String, String)>> {
    let RawFields(fields) = serde_json::from_slice(body).map_err(|e| not_json(e, body))?;
    let mut out = Vec::with_capacity(fields.len());
    for (k, raw) in fields {
        let text = raw.get();
        let value = match text.as_bytes().first() {
            Some(b'"') => serde_json::from_str::<String>(text).map_err(|e| not_json(e, body))?,
            Some(b't' | b'f' | b'-' | b'0'..=b'9') => text.to_owned(),
            _ => continue,
        };
        out.push((k.into_owned(), value));
    }
    reject_duplicates(&out)?;
    Ok(out)
}

fn verify_signer(payload: Payload<'_>, signer: &dyn Signer) -> Result<Notification> {
    let (map, expected, body) = match payload {
        Payload::Raw(body) if looks_like_json(body) => {
            let fields = fields_as_written(body)?;
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .filter(|(k, _)| k != sign_core::wattt::SIGN_FIELD)
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let expected = signer.sign_params(&pairs);
            let map: Map<String, Value> =
                serde_json::from_slice(body).map_err(|e| not_json(e, body))?;
            (map, expected, body)
        }
        Payload::Raw(body) => {
            let (map, expected) = form_expected(parse_form(body)?, signer);
            (map, expected, body)
        }
        Payload::Params(params) => {
            reject_duplicates(&params)?;
            let (map, expected) = form_expected(params, signer);
            (map, expected, &b""[..])
        }
        Payload::Json(map) => {
            let mut unsigned = map.clone();
            unsigned.remove(sign_core::wattt::SIGN_FIELD);
            let expected = signer.sign_json(&unsigned);
            (map.clone(), expected, &b""[..])
        }
    };
    let given = match map.get(sign_core::wattt::SIGN_FIELD) {
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            return Err(Error::Signature(VerifyError::Malformed {
                field: "sign".into(),
                reason: "not a string".into(),
            }))
        }
        None => return Err(Error::Signature(VerifyError::MissingField("sign".into()))),
    };
    if !sign_core::constant_time_eq(
        given.to_ascii_lowercase().as_bytes(),
        expected.to_ascii_lowercase().as_bytes(),
    ) {
        return Err(Error::Signature(VerifyError::Mismatch));
    }
    typed(map, body)
}

fn form_expected(
    params: Vec<(String, String)>,
    signer: &dyn Signer,
) -> (Map<String, Value>, String) {
    let pairs: Vec<(&str, &str)> = params
        .iter()
        .filter(|(k, _)| k != sign_core::wattt::SIGN_FIELD)
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let expected = signer.sign_params(&pairs);
    (params_to_map(params), expected)
}

fn looks_like_json(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

fn parse_form(body: &[u8]) -> Result<Vec<(String, String)>> {
    let params: Vec<(String, String)> = serde_urlencoded::from_bytes(body).map_err(|e| {
        Error::decode(
            format!("the body is neither JSON nor form-encoded: {e}"),
            body,
        )
    })?;
    if params.is_empty() {
        return Err(Error::decode("the body is empty", body));
    }
    reject_duplicates(&params)?;
    Ok(params)
}

fn reject_duplicates(params: &[(String, String)]) -> Result<()> {
    let mut seen = HashSet::new();
    for (k, _) in params {
        if !seen.insert(k.as_str()) {
            return Err(Error::Signature(VerifyError::Malformed {
                field: k.clone(),
                reason: "appears more than once".into(),
            }));
        }
    }
    Ok(())
}

fn params_to_map(params: Vec<(String, String)>) -> Map<String, Value> {
    params
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect()
}

/// The notification straight from a JSON body whose signature passed, in one pass: the same
/// fields, rules and `kind` as [`typed`] gives from the parsed object (the signature check has
/// refused a repeated name, so no field is met twice).
fn typed_body(body: &[u8]) -> Result<Notification> {
    serde_json::from_slice::<Decoded>(body)
        .map(|d| d.0)
        .map_err(|e| Error::decode(format!("a notification field is malformed: {e}"), body))
}

/// The lenient field readers of [`Notification`], each as a type [`Decoded`] can ask for.
struct OptString(Option<String>);
struct OptI64(Option<i64>);
struct OptDecimal(Option<Decimal>);

impl<'de> Deserialize<'de> for OptString {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        crate::de::opt_string(d).map(OptString)
    }
}
impl<'de> Deserialize<'de> for OptI64 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        crate::de::opt_i64(d).map(OptI64)
    }
}
impl<'de> Deserialize<'de> for OptDecimal {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        de_opt_decimal(d).map(OptDecimal)
    }
}

/// A field name: a typed one, `sign` (dropped), or another one (owned, for `extra`).
enum Field {
    Orderid,
    SerialNo,
    MerchantOrderNo,
    Amount,
    Status,
    Uid,
    Timestamp,
    Sign,
    Other(String),
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Field;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Field, E> {
                Ok(match v {
                    "orderid" => Field::Orderid,
                    "serial_no" => Field::SerialNo,
                    "merchant_order_no" => Field::MerchantOrderNo,
                    "amount" => Field::Amount,
                    "status" => Field::Status,
                    "uid" => Field::Uid,
                    "timestamp" => Field::Timestamp,
                    sign_core::wattt::SIGN_FIELD => Field::Sign,
                    other => Field::Other(other.to_owned()),
                })
            }
        }
        d.deserialize_identifier(V)
    }
}

struct Decoded(Notification);

impl<'de> Deserialize<'de> for Decoded {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Decoded;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> std::result::Result<Decoded, M::Error> {
                let mut n = Notification {
                    kind: NotificationKind::Unknown,
                    orderid: None,
                    serial_no: None,
                    merchant_order_no: None,
                    amount: None,
                    status: None,
                    uid: None,
                    timestamp: None,
                    extra: Map::new(),
                };
                while let Some(field) = map.next_key::<Field>()? {
                    match field {
                        Field::Orderid => n.orderid = map.next_value::<OptString>()?.0,
                        Field::SerialNo => n.serial_no = map.next_value::<OptString>()?.0,
                        Field::MerchantOrderNo => {
                            n.merchant_order_no = map.next_value::<OptString>()?.0
                        }
                        Field::Amount => n.amount = map.next_value::<OptDecimal>()?.0,
                        Field::Status => n.status = map.next_value()?,
                        Field::Uid => n.uid = map.next_value::<OptString>()?.0,
                        Field::Timestamp => n.timestamp = map.next_value::<OptI64>()?.0,
                        Field::Sign => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                        Field::Other(name) => {
                            n.extra.insert(name, map.next_value()?);
                        }
                    }
                }
                n.kind = kind_of(&n);
                Ok(Decoded(n))
            }
        }
        d.deserialize_map(V)
    }
}

/// `type` when it names a kind, else which reference the notification carries.
fn kind_of(n: &Notification) -> NotificationKind {
    let declared = match n.extra.get("type") {
        Some(Value::String(t)) if t.eq_ignore_ascii_case("collection") => {
            Some(NotificationKind::Collection)
        }
        Some(Value::String(t)) if t.eq_ignore_ascii_case("payout") => {
            Some(NotificationKind::Payout)
        }
        _ => None,
    };
    declared.unwrap_or(if n.serial_no.is_some() {
        NotificationKind::Payout
    } else if n.orderid.is_some() {
        NotificationKind::Collection
    } else {
        NotificationKind::Unknown
    })
}

fn typed(mut map: Map<String, Value>, body: &[u8]) -> Result<Notification> {
    map.remove(sign_core::wattt::SIGN_FIELD);
    let mut n: Notification = serde_json::from_value(Value::Object(map))
        .map_err(|e| Error::decode(format!("a notification field is malformed: {e}"), body))?;
    n.kind = kind_of(&n);
    Ok(n)
}
