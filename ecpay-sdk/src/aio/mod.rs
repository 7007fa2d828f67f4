//! ECPay AIO (全方位金流): checkout form, queries and credit card actions. Callbacks are
//! verified by [`crate::webhook`].
//!
//! Reference: ECPay's published AIO documentation (developers.ecpay.com.tw, 全方位金流 API
//! 技術文件) and ECPay's official SDKs (`ECPay/ECPayAIO_PHP`, `ECPay/SDK_PHP`); each module
//! names the pages it follows.

pub mod capture;
pub mod checkout;
pub mod credit_trade;
pub mod invoice;
pub mod period;
pub mod query;
pub mod recon;
pub mod server_order;
pub mod trade_date;
mod wire;
pub use self::{
    capture::*,
    checkout::BnplOptions,
    credit_trade::*,
    invoice::Invoice,
    period::*,
    recon::*,
    server_order::{CreatedTrade, ServerOrder, ServerOrderRequest, ServerTradeType},
    trade_date::TradeDate,
};

pub use checkout::{
    AllOptions, AtmOptions, BarcodeOptions, CheckoutRequest, CreditMode, CreditOptions, CvsOptions,
    Language, Payment, PaymentMethod, PeriodType, PeriodicPlan, SignedCheckout, UnionPay,
};
pub use query::{
    CreditAction, DoActionRequest, DoActionResult, TradeInfo, TradeQuery, TradeStatus,
};

pub use crate::webhook::{PaymentCode, PaymentInfo, PaymentResult, PaymentTypeCode};

use sign_core::ecpay;
use sign_core::VerifyError;

use crate::client::{Call, Client, RawResponse};
use crate::error::{snippet, Error, ErrorCode, Result};
use crate::webhook::{self, FormPairs};

/// Parses the body of a raw `key=value&…` answer (QueryTradeInfo, QueryPaymentInfo) the way
/// ECPay's PHP SDK reads it: values are sent raw (a space is a space and `+` is a plus sign),
/// `%xx` sequences are decoded.
///
/// ECPay does not escape `&` inside a value (an `ItemName` of `Tea&Cake` comes back as
/// `ItemName=Tea&Cake`), so a segment starts a new pair only when it begins with a field name
/// (`[A-Za-z][A-Za-z0-9_]*=`); any other segment belongs to the value before it.
///
/// ```
/// let p = ecpay_sdk::aio::parse_raw_pairs("ItemName=Tea&Cake#Mug&TradeAmt=1+2&D=2025/01/01 12:00:00");
/// assert_eq!(p[0], ("ItemName".to_owned(), "Tea&Cake#Mug".to_owned()));
/// assert_eq!(p[1].1, "1+2");
/// assert_eq!(p[2].1, "2025/01/01 12:00:00");
/// ```
pub fn parse_raw_pairs(body: &str) -> Vec<(String, String)> {
    parse_raw_pairs_with(body, |_| true)
}

/// [`parse_raw_pairs`] where a segment starts a new pair only when `is_key` accepts its name
/// (the answer's documented fields): the reading for a value holding `&name=`.
pub(crate) fn parse_raw_pairs_with(
    body: &str,
    is_key: impl Fn(&str) -> bool,
) -> Vec<(String, String)> {
    owned(raw_pairs(body, |_, seg| starts_pair(seg, &is_key)))
}

/// [`parse_raw_pairs`] borrowed from `body` (owned only where `%xx` was decoded).
pub(crate) fn borrowed_raw_pairs(body: &str) -> FormPairs<'_> {
    raw_pairs(body, |_, seg| starts_pair(seg, &|_| true))
}

/// Whether a raw segment can begin a pair: `[A-Za-z][A-Za-z0-9_]*=` with a name `is_key` takes.
fn starts_pair(seg: &str, is_key: &impl Fn(&str) -> bool) -> bool {
    split_eq(seg).is_some_and(|(k, _)| {
        let mut b = k.bytes();
        b.next().is_some_and(|c| c.is_ascii_alphabetic())
            && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
            && is_key(k)
    })
}

/// The pairs of a raw answer, a `&`-separated segment starting a pair where `starts(index,
/// segment)` says so (the first always does); `%xx` decoded, `+` and spaces kept.
///
/// A pair's segments stand side by side in the body, so its name and value are slices of it:
/// borrowed, and owned only where `%xx` had to be decoded.
fn raw_pairs<'a>(body: &'a str, mut starts: impl FnMut(usize, &str) -> bool) -> FormPairs<'a> {
    let body = body.trim();
    let mut out: FormPairs<'a> = Vec::with_capacity(1 + memchr_count(body.as_bytes(), b'&'));
    let dec = |s: &'a str| percent_encoding::percent_decode_str(s).decode_utf8_lossy();
    let mut push = |(name, value): (&'a str, &'a str)| {
        if !(name.is_empty() && value.is_empty()) {
            out.push((dec(name), dec(value)));
        }
    };
    // The current pair: its name, and where its value starts in `body`.
    let mut current: Option<(&'a str, usize)> = None;
    let mut at = 0;
    for (i, seg) in split_amp(body).enumerate() {
        let (seg_start, seg_end) = (at, at + seg.len());
        at = seg_end + 1;
        if i > 0 && !starts(i, seg) {
            continue;
        }
        if let Some((name, from)) = current {
            // The value runs up to the `&` before this segment.
            push((name, &body[from.min(seg_start - 1)..seg_start - 1]));
        }
        current = Some(match split_eq(seg) {
            Some((name, _)) => (name, seg_start + name.len() + 1),
            // No `=`: the whole segment is the name, and segments after it join its value,
            // `&` included.
            None => (seg, seg_end),
        });
    }
    if let Some((name, from)) = current {
        push((name, &body[from.min(body.len())..]));
    }
    out
}

/// `s.split('&')` through `memchr` (a `&` is one byte, so each piece is on a char boundary):
/// `str`'s own split searches for a `char` and costs several times more per piece on an
/// answer's short fields.
fn split_amp(s: &str) -> impl Iterator<Item = &str> {
    let ends = memchr::memchr_iter(b'&', s.as_bytes()).chain([s.len()]);
    let mut start = 0;
    ends.map(move |end| {
        let seg = s.get(start..end).unwrap_or_default();
        start = end + 1;
        seg
    })
}

/// `s.split_once('=')`, through `memchr` (as [`split_amp`]).
fn split_eq(s: &str) -> Option<(&str, &str)> {
    let i = memchr::memchr(b'=', s.as_bytes())?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

fn memchr_count(haystack: &[u8], needle: u8) -> usize {
    haystack.iter().filter(|&&b| b == needle).count()
}

/// The other readings of a raw answer whose first reading did not verify, most likely first:
/// only documented names start a pair; then, for a name that appears more than once, each
/// choice of the one occurrence that is a real field (the others are `&name=` inside a
/// value). At most [`MAX_READINGS`] readings, so a hostile body cannot make this expensive.
fn other_readings<'a>(body: &'a str, fields: &[&str]) -> Vec<FormPairs<'a>> {
    let segs: Vec<&str> = body.trim().split('&').collect();
    let strict: Vec<bool> = segs
        .iter()
        .map(|s| starts_pair(s, &|k: &str| fields.contains(&k)))
        .collect();
    let mut out = vec![raw_pairs(body, |i, _| strict[i])];
    // Occurrences of each name that starts a pair in the strict reading.
    let mut by_name: Vec<(&str, Vec<usize>)> = Vec::new();
    for (i, seg) in segs.iter().enumerate() {
        if !strict[i] {
            continue;
        }
        let name = seg.split_once('=').map(|(k, _)| k).unwrap_or_default();
        match by_name.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => v.push(i),
            None => by_name.push((name, vec![i])),
        }
    }
    let dups: Vec<&Vec<usize>> = by_name
        .iter()
        .map(|(_, v)| v)
        .filter(|v| v.len() > 1)
        .collect();
    let mut choice = vec![0usize; dups.len()];
    while !dups.is_empty() && out.len() < MAX_READINGS {
        let mut starts = strict.clone();
        for (d, &keep) in dups.iter().zip(&choice) {
            for (j, &i) in d.iter().enumerate() {
                starts[i] = j == keep;
            }
        }
        out.push(raw_pairs(body, |i, _| starts[i]));
        // Next combination (odometer); stop after the last.
        let mut k = 0;
        loop {
            if k == choice.len() {
                return out;
            }
            choice[k] += 1;
            if choice[k] < dups[k].len() {
                break;
            }
            choice[k] = 0;
            k += 1;
        }
    }
    out
}

/// Cap on the readings of one ambiguous answer (each costs one SHA-256 over the answer).
const MAX_READINGS: usize = 32;

/// The AIO handler, borrowed from a [`Client`] by [`Client::aio`].
#[derive(Debug, Clone, Copy)]
pub struct Aio<'a> {
    client: &'a Client,
}

impl Client {
    /// AIO calls.
    ///
    /// ```
    /// let client = ecpay_sdk::Client::builder().environment(ecpay_sdk::Environment::Stage).build()?;
    /// assert!(client.aio().checkout_url().ends_with("/Cashier/AioCheckOut/V5"));
    /// # Ok::<(), ecpay_sdk::Error>(())
    /// ```
    pub fn aio(&self) -> Aio<'_> {
        Aio { client: self }
    }
}

impl Aio<'_> {
    /// The full `/Cashier/AioCheckOut/V5` URL the form posts to.
    pub fn checkout_url(&self) -> String {
        self.client.aio_url(checkout::CHECKOUT_PATH)
    }

    /// Checks the request against ECPay's rules and signs it.
    ///
    /// ```
    /// use ecpay_sdk::{Client, Credentials, Environment, aio::CheckoutRequest};
    /// let client = Client::builder().environment(Environment::Stage).credentials(Credentials::stage()).build()?;
    /// let req = CheckoutRequest::new("T1", "2026/01/01 00:00:00", 100, "desc", "item", "https://shop.example/return");
    /// let form = client.aio().checkout(&req)?;
    /// assert_eq!(form.action, "https://payment-stage.ecpay.com.tw/Cashier/AioCheckOut/V5");
    /// # Ok::<(), ecpay_sdk::Error>(())
    /// ```
    pub fn checkout(&self, req: &checkout::CheckoutRequest) -> Result<SignedCheckout> {
        let creds = self.client.require_credentials()?;
        req.sign(creds, self.checkout_url())
    }

    /// `QueryTradeInfo/V5` (`?p=2890`): the trade's state, with the answer's CheckMacValue
    /// verified. Retried on transport errors and 5xx (re-signed with a fresh `TimeStamp`).
    /// Takes a MerchantTradeNo, or a [`TradeQuery`] with `PlatformID` for a platform's
    /// sub-merchant.
    ///
    /// ```no_run
    /// # async fn f(client: &ecpay_sdk::Client) -> ecpay_sdk::Result<()> {
    /// use ecpay_sdk::aio::TradeQuery;
    /// let own = client.aio().query_trade_info("T20260101001").await?;
    /// let sub = client.aio().query_trade_info(TradeQuery::new("T20260101002").platform("3002599")).await?;
    /// # let _ = (own, sub); Ok(()) }
    /// ```
    pub async fn query_trade_info(&self, query: impl Into<TradeQuery>) -> Result<TradeInfo> {
        let query = query.into();
        let resp = self
            .send_query(&query, "QueryTradeInfo", query::QUERY_TRADE_INFO_PATH)
            .await?;
        TradeInfo::decode(self.signed_answer(&resp, query::TRADE_INFO_FIELDS)?)
    }

    /// `QueryPaymentInfo` (`?p=5615`): the ATM account / CVS code / barcodes issued for a
    /// trade. Takes a MerchantTradeNo, or a [`TradeQuery`] with `PlatformID`.
    ///
    /// ```no_run
    /// # async fn f(client: &ecpay_sdk::Client) -> ecpay_sdk::Result<()> {
    /// use ecpay_sdk::aio::TradeQuery;
    /// let info = client.aio().query_payment_info(TradeQuery::new("T2").platform("3002599")).await?;
    /// # let _ = info; Ok(()) }
    /// ```
    pub async fn query_payment_info(&self, query: impl Into<TradeQuery>) -> Result<PaymentInfo> {
        let query = query.into();
        let resp = self
            .send_query(&query, "QueryPaymentInfo", query::QUERY_PAYMENT_INFO_PATH)
            .await?;
        let pairs = self.signed_answer(&resp, query::PAYMENT_INFO_FIELDS)?;
        webhook::decode_payment_info(owned(pairs), "QueryPaymentInfo answer")
    }

    /// `CreditDetail/DoAction`: close, refund, cancel or abandon a credit card trade.
    ///
    /// Sent again only when the first attempt certainly never left. If it may have reached
    /// ECPay and no readable answer came (a timeout, a 5xx, an answer without `RtnCode`), the
    /// error is [`Error::OutcomeUnknown`]: query the trade before trying again.
    pub async fn do_action(&self, req: &DoActionRequest) -> Result<DoActionResult> {
        wire::post_once(
            self.client,
            query::DO_ACTION_PATH,
            "DoAction",
            &req.merchant_trade_no,
            |merchant_id| req.fields(merchant_id),
            DoActionResult::decode,
        )
        .await
    }

    /// Sends one of the two trade queries, its rules checked before anything is sent.
    async fn send_query(
        &self,
        query: &TradeQuery,
        operation: &'static str,
        path: &str,
    ) -> Result<RawResponse> {
        query.validate()?;
        let creds = self.client.require_credentials()?;
        self.client
            .send_signed_form(
                Call::query(operation, &query.merchant_trade_no),
                path,
                // Checked above; the same query gives the same fields.
                |_| query.fields(creds.merchant_id()).unwrap_or_default(),
            )
            .await
    }

    /// Reads a signed raw answer (see [`read_signed_raw`]).
    pub(crate) fn signed_answer<'r>(
        &self,
        resp: &'r RawResponse,
        fields: &[&str],
    ) -> Result<FormPairs<'r>> {
        read_signed_raw(
            resp.status,
            &resp.body,
            self.client.require_credentials()?,
            fields,
        )
    }
}

/// Owned copies of borrowed pairs, for a decoder that takes them so.
pub(crate) fn owned(pairs: FormPairs<'_>) -> Vec<(String, String)> {
    pairs
        .into_iter()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Reads a signed raw answer: pairs whose CheckMacValue verifies and that name this merchant
/// (so no name appears twice: the check refuses a repeated name), borrowed from `body`; or an
/// API error when ECPay answered without a signature. A value holding `&name=` is read again
/// with only the answer's documented `fields` starting a pair.
pub(crate) fn read_signed_raw<'b>(
    status: u16,
    body: &'b str,
    creds: &crate::Credentials,
    fields: &[&str],
) -> Result<FormPairs<'b>> {
    if status != 200 {
        return Err(Error::Api {
            status,
            code: ErrorCode::Http(status),
            message: snippet(body),
        });
    }
    let pairs = borrowed_raw_pairs(body);
    if !pairs.iter().any(|(k, _)| k == ecpay::CHECK_MAC_VALUE) {
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_ref());
        let code = get("RtnCode")
            .or_else(|| get("TradeStatus"))
            .and_then(|c| c.trim().parse::<i64>().ok())
            .map(ErrorCode::Rtn)
            .unwrap_or_else(|| ErrorCode::Other("unsigned answer".into()));
        return Err(Error::Api {
            status,
            code,
            message: snippet(get("RtnMsg").unwrap_or(body)),
        });
    }
    match webhook::verify_pairs(&pairs, creds) {
        Ok(()) => Ok(pairs),
        // A signature that fails on the first reading may hold for another: ECPay echoes the
        // merchant's `&` raw. A reading that names another merchant stays refused.
        Err(first @ Error::Signature(VerifyError::Mismatch | VerifyError::Malformed { .. })) => {
            for reading in other_readings(body, fields) {
                if webhook::verify_pairs(&reading, creds).is_ok() {
                    return Ok(reading);
                }
            }
            Err(first)
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_pairs_table() {
        // Where the expectations come from: ECPay's PHP SDK reads answers with spaces and `+`
        // kept (it escapes them before `parse_str`) and `%xx` decoded; `&` inside a value is
        // ECPay's raw echo of the checkout's ItemName/TradeDesc/CustomField.
        type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);
        let cases: &[Case] = &[
            (
                "plus and space",
                "A=1+2&B=2025/01/01 12:00:00",
                &[("A", "1+2"), ("B", "2025/01/01 12:00:00")],
            ),
            ("percent", "C=%E7%B6%A0&D=", &[("C", "綠"), ("D", "")]),
            (
                "ampersand in value",
                "ItemName=Tea&Cake&TradeAmt=5",
                &[("ItemName", "Tea&Cake"), ("TradeAmt", "5")],
            ),
            (
                "trailing ampersand",
                "ItemName=Tea&&X=1",
                &[("ItemName", "Tea&"), ("X", "1")],
            ),
            (
                "equals in value",
                "CustomField1=a=b&X=1",
                &[("CustomField1", "a=b"), ("X", "1")],
            ),
        ];
        for (name, body, want) in cases {
            let got = parse_raw_pairs(body);
            let want: Vec<(String, String)> = want
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            assert_eq!(got, want, "case {name}");
        }
    }

    /// The reading before the pairs were borrowed (segments collected, values rebuilt with
    /// `push('&')`, everything owned): the borrowed reading must give the same pairs.
    fn reference_reading(body: &str, starts: impl Fn(&str) -> bool) -> Vec<(String, String)> {
        let segs: Vec<&str> = body.trim().split('&').collect();
        let mut raw: Vec<(&str, String)> = Vec::new();
        for seg in &segs {
            match (starts(seg), raw.last_mut()) {
                (true, _) | (false, None) => {
                    let (k, v) = seg.split_once('=').unwrap_or((seg, ""));
                    raw.push((k, v.to_owned()));
                }
                (false, Some((_, v))) => {
                    v.push('&');
                    v.push_str(seg);
                }
            }
        }
        let dec = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        raw.into_iter()
            .filter(|(k, v)| !(k.is_empty() && v.is_empty()))
            .map(|(k, v)| (dec(k), dec(&v)))
            .collect()
    }

    proptest::proptest! {
        /// The byte splitters against `str`'s own, multi-byte text included.
        #[test]
        fn byte_splits_are_str_splits(s in "[a=&%\u{7d20}\u{e9}]{0,24}") {
            proptest::prop_assert_eq!(split_amp(&s).collect::<Vec<_>>(), s.split('&').collect::<Vec<_>>());
            proptest::prop_assert_eq!(split_eq(&s), s.split_once('='));
        }

        #[test]
        fn borrowed_reading_is_the_owned_reading(body in "[ A-Ca-c0-9_=&%+#\\u{7d20}]{0,40}") {
            let any = |s: &str| starts_pair(s, &|_| true);
            proptest::prop_assert_eq!(parse_raw_pairs(&body), reference_reading(&body, any));
            let strict = |s: &str| starts_pair(s, &|k: &str| k != "B");
            proptest::prop_assert_eq!(
                parse_raw_pairs_with(&body, |k| k != "B"),
                reference_reading(&body, strict)
            );
        }
    }

    #[test]
    fn strict_reading_merges_unknown_names() {
        let got = parse_raw_pairs_with("ItemName=A&B=C&TradeAmt=5", |k| k != "B");
        assert_eq!(got[0].1, "A&B=C");
        assert_eq!(got[1], ("TradeAmt".into(), "5".into()));
    }
}
