//! `MerchantTradeDate` as a time: ECPay reads it as Taiwan time (UTC+8, no daylight saving),
//! formatted `yyyy/MM/dd HH:mm:ss` (docs `?p=2864`, "特店交易時間").

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};

/// `MerchantTradeDate` format.
pub const TRADE_DATE_FORMAT: &str = "%Y/%m/%d %H:%M:%S";

/// Taiwan's offset from UTC: +08:00 all year.
pub const TAIWAN_OFFSET_SECONDS: i32 = 8 * 3600;

/// A `MerchantTradeDate`: a wall-clock time in Taiwan.
///
/// Build it from the clock with [`TradeDate::now_taiwan`], from any instant with
/// [`TradeDate::from_utc`], or from the text a caller already has (`"2026/01/01 12:00:00".into()`);
/// text is checked when the request is validated, so a bad string is a validation error naming
/// `MerchantTradeDate`, never a panic.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use ecpay_sdk::aio::TradeDate;
///
/// let at = Utc.with_ymd_and_hms(2026, 1, 1, 16, 30, 0).unwrap();
/// assert_eq!(TradeDate::from_utc(at).to_string(), "2026/01/02 00:30:00");
/// let now = TradeDate::now_taiwan();
/// assert!(now.to_naive().is_some());
/// let typed: TradeDate = "2026/01/01 12:00:00".into();
/// assert_eq!(typed.as_str(), "2026/01/01 12:00:00");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct TradeDate(String);

impl TradeDate {
    /// The current time in Taiwan (UTC+8).
    pub fn now_taiwan() -> Self {
        Self::from_utc(Utc::now())
    }

    /// The Taiwan wall-clock time of an instant.
    pub fn from_utc(at: DateTime<Utc>) -> Self {
        let local = at.with_timezone(&taiwan());
        Self(local.format(TRADE_DATE_FORMAT).to_string())
    }

    /// A Taiwan wall-clock time given as it reads.
    pub fn from_naive(at: NaiveDateTime) -> Self {
        Self(at.format(TRADE_DATE_FORMAT).to_string())
    }

    /// The wire text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The wall-clock time, when the text is in ECPay's format.
    pub fn to_naive(&self) -> Option<NaiveDateTime> {
        if self.0.len() != 19 {
            return None;
        }
        NaiveDateTime::parse_from_str(&self.0, TRADE_DATE_FORMAT).ok()
    }

    /// The instant, when the text is in ECPay's format (read as UTC+8).
    pub fn to_utc(&self) -> Option<DateTime<Utc>> {
        let naive = self.to_naive()?;
        taiwan()
            .from_local_datetime(&naive)
            .single()
            .map(|t| t.with_timezone(&Utc))
    }
}

// Evaluated at compile time: +8 h is inside chrono's ±24 h range.
const TAIWAN: FixedOffset = match FixedOffset::east_opt(TAIWAN_OFFSET_SECONDS) {
    Some(o) => o,
    None => panic!("UTC+8 is a valid offset"),
};

fn taiwan() -> FixedOffset {
    TAIWAN
}

impl fmt::Display for TradeDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for TradeDate {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl From<String> for TradeDate {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&String> for TradeDate {
    fn from(s: &String) -> Self {
        Self(s.clone())
    }
}

impl From<NaiveDateTime> for TradeDate {
    fn from(at: NaiveDateTime) -> Self {
        Self::from_naive(at)
    }
}

impl From<DateTime<Utc>> for TradeDate {
    fn from(at: DateTime<Utc>) -> Self {
        Self::from_utc(at)
    }
}

impl PartialEq<&str> for TradeDate {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl serde::Serialize for TradeDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_midnight_crossing_is_taiwan_next_day() {
        // 2025-12-31 16:00:00 UTC is 2026-01-01 00:00:00 in Taipei (UTC+8, no DST).
        let at = Utc.with_ymd_and_hms(2025, 12, 31, 16, 0, 0).unwrap();
        let d = TradeDate::from_utc(at);
        assert_eq!(d.as_str(), "2026/01/01 00:00:00");
        assert_eq!(d.to_utc(), Some(at));
    }

    #[test]
    fn malformed_text_has_no_time() {
        for bad in [
            "2026-01-01 00:00:00",
            "2026/1/1 0:0:0",
            "",
            "2026/13/01 00:00:00",
        ] {
            assert_eq!(TradeDate::from(bad).to_naive(), None, "{bad}");
        }
    }
}
