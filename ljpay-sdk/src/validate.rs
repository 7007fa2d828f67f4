//! Validation of requests before any byte is sent, per the spec's constraints.
//!
//! Lengths count Unicode characters (code points), as JSON Schema's `maxLength` does. Beyond the
//! spec, the SDK also rejects an empty `biz_order_no`, `out_refund_no` or `subject`, and a
//! `biz_order_no` / `order_no` of `.` or `..` in a path (it would change the path).

use crate::error::Error;
use crate::models::{Channel, CreateOrderRequest, RefundRequest};

fn invalid(field: &'static str, reason: impl Into<String>) -> Error {
    Error::Validation {
        field,
        reason: reason.into(),
    }
}

fn max_len(field: &'static str, value: &str, max: usize) -> Result<(), Error> {
    // A string has at most as many characters as bytes: most values need no count.
    if value.len() <= max {
        return Ok(());
    }
    let n = value.chars().count();
    if n > max {
        return Err(invalid(
            field,
            format!("maxLength {max}: is {n} characters long"),
        ));
    }
    Ok(())
}

fn opt_max_len(field: &'static str, value: Option<&str>, max: usize) -> Result<(), Error> {
    value.map_or(Ok(()), |v| max_len(field, v, max))
}

fn non_empty(field: &'static str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    Ok(())
}

fn min_amount(field: &'static str, value: i64) -> Result<(), Error> {
    if value < 1 {
        return Err(invalid(field, format!("minimum 1: is {value}")));
    }
    Ok(())
}

/// Checks a `biz_order_no` (non-empty, at most 128 characters).
pub(crate) fn biz_order_no(value: &str) -> Result<(), Error> {
    non_empty("biz_order_no", value)?;
    max_len("biz_order_no", value, 128)
}

/// Checks a value used as one path segment.
pub(crate) fn path_segment(field: &'static str, value: &str) -> Result<(), Error> {
    non_empty(field, value)?;
    if value == "." || value == ".." {
        return Err(invalid(field, "must not be `.` or `..` (a path segment)"));
    }
    Ok(())
}

/// Checks a create-order request against the spec.
///
/// ```
/// use ljpay_sdk::{validate, Channel, CreateOrderRequest};
/// let ok = CreateOrderRequest::new("B-1", 100, Channel::AlipayQr, "tea");
/// assert!(validate::create_order(&ok).is_ok());
/// let unknown = CreateOrderRequest::new("B-1", 100, Channel::Other("paypal".into()), "tea");
/// assert!(validate::create_order(&unknown).is_err());
/// ```
pub fn create_order(req: &CreateOrderRequest) -> Result<(), Error> {
    biz_order_no(&req.biz_order_no)?;
    if let Channel::Other(c) = &req.channel {
        // `Other` exists to decode answers; a request must name a channel the spec lists.
        return Err(invalid(
            "channel",
            format!(
                "`{c}` is not a channel of the spec (one of: {})",
                Channel::ALL
                    .iter()
                    .map(Channel::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    min_amount("amount_fen", req.amount_fen)?;
    non_empty("subject", &req.subject)?;
    max_len("subject", &req.subject, 127)?;
    opt_max_len("client_ip", req.client_ip.as_deref(), 64)?;
    opt_max_len("user_agent", req.user_agent.as_deref(), 512)?;
    opt_max_len("payer_openid", req.payer_openid.as_deref(), 128)?;
    opt_max_len("return_url", req.return_url.as_deref(), 512)?;
    if req.channel.requires_payer_openid() && req.payer_openid.as_deref().is_none_or(str::is_empty)
    {
        return Err(invalid(
            "payer_openid",
            format!("required for channel {}", req.channel),
        ));
    }
    if req.channel.requires_return_url() && req.return_url.as_deref().is_none_or(str::is_empty) {
        return Err(invalid(
            "return_url",
            format!("required for channel {}", req.channel),
        ));
    }
    Ok(())
}

/// Checks a refund request against the spec.
///
/// ```
/// use ljpay_sdk::{validate, RefundRequest};
/// assert!(validate::refund(&RefundRequest::new("B-1", "R-1", 1)).is_ok());
/// assert!(validate::refund(&RefundRequest::new("B-1", "R-1", 0)).is_err());
/// ```
pub fn refund(req: &RefundRequest) -> Result<(), Error> {
    biz_order_no(&req.biz_order_no)?;
    non_empty("out_refund_no", &req.out_refund_no)?;
    max_len("out_refund_no", &req.out_refund_no, 128)?;
    min_amount("refund_fen", req.refund_fen)?;
    opt_max_len("reason", req.reason.as_deref(), 255)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: Error) -> &'static str {
        match e {
            Error::Validation { field, .. } => field,
            other => panic!("not a validation error: {other}"),
        }
    }

    fn ok_req() -> CreateOrderRequest {
        CreateOrderRequest::new("B1", 1, Channel::WechatNative, "s")
    }

    #[test]
    fn lengths_at_and_over_the_limit() {
        type Setter = fn(&mut CreateOrderRequest, String);
        let cases: [(&str, usize, Setter); 6] = [
            ("biz_order_no", 128, |r, v| r.biz_order_no = v),
            ("subject", 127, |r, v| r.subject = v),
            ("client_ip", 64, |r, v| r.client_ip = Some(v)),
            ("user_agent", 512, |r, v| r.user_agent = Some(v)),
            ("payer_openid", 128, |r, v| r.payer_openid = Some(v)),
            ("return_url", 512, |r, v| r.return_url = Some(v)),
        ];
        for (field, max, set) in cases {
            let mut r = ok_req();
            // multi-byte characters: the limit is in characters, not bytes
            set(&mut r, "梨".repeat(max));
            assert!(create_order(&r).is_ok(), "{field} at {max}");
            let mut r = ok_req();
            set(&mut r, "a".repeat(max + 1));
            assert_eq!(field_of(create_order(&r).unwrap_err()), field);
            let mut r = ok_req();
            set(&mut r, "梨".repeat(max + 1));
            assert_eq!(field_of(create_order(&r).unwrap_err()), field);
        }
    }

    #[test]
    fn amounts_and_conditional_fields() {
        let mut r = ok_req();
        r.amount_fen = 0;
        assert_eq!(field_of(create_order(&r).unwrap_err()), "amount_fen");
        r.amount_fen = -3;
        assert_eq!(field_of(create_order(&r).unwrap_err()), "amount_fen");

        let r = CreateOrderRequest::new("B", 5, Channel::WechatJsapi, "s");
        assert_eq!(field_of(create_order(&r).unwrap_err()), "payer_openid");
        assert!(create_order(&r.payer_openid("o-1")).is_ok());

        for ch in [Channel::AlipayPc, Channel::AlipayPage, Channel::AlipayWap] {
            let r = CreateOrderRequest::new("B", 5, ch, "s");
            assert_eq!(field_of(create_order(&r).unwrap_err()), "return_url");
            assert!(create_order(&r.return_url("https://x.example/r")).is_ok());
        }
        for ch in [Channel::AlipayQr, Channel::WechatNative] {
            assert!(create_order(&CreateOrderRequest::new("B", 5, ch, "s")).is_ok());
        }
    }

    /// Finding (issue 13, LJPay): `Channel::Other(..)` passed validation and was sent.
    #[test]
    fn unknown_channel_is_refused_before_sending() {
        for wire in ["paypal", "ALIPAY_QR", ""] {
            let r = CreateOrderRequest::new("B", 5, Channel::Other(wire.into()), "s");
            assert_eq!(
                field_of(create_order(&r).unwrap_err()),
                "channel",
                "channel `{wire}`"
            );
        }
    }

    #[test]
    fn refund_rules() {
        let ok = RefundRequest::new("B", "R", 1);
        assert!(refund(&ok).is_ok());
        let mut r = ok.clone();
        r.refund_fen = 0;
        assert_eq!(field_of(refund(&r).unwrap_err()), "refund_fen");
        let mut r = ok.clone();
        r.out_refund_no = "r".repeat(129);
        assert_eq!(field_of(refund(&r).unwrap_err()), "out_refund_no");
        let mut r = ok.clone();
        r.reason = Some("x".repeat(256));
        assert_eq!(field_of(refund(&r).unwrap_err()), "reason");
        r.reason = Some("x".repeat(255));
        assert!(refund(&r).is_ok());
        let mut r = ok;
        r.biz_order_no = String::new();
        assert_eq!(field_of(refund(&r).unwrap_err()), "biz_order_no");
    }
}
