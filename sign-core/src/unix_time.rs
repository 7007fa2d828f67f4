//! The clock in whole Unix seconds, for the signed timestamps.

use std::time::{SystemTime, UNIX_EPOCH};

/// `t` in whole Unix seconds, rounded down (before 1970 too), as
/// `chrono::DateTime::<Utc>::from(t).timestamp()` gives it, without building a calendar date and
/// taking it apart again. Saturates at `i64`'s ends.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// assert_eq!(sign_core::unix_seconds(UNIX_EPOCH + Duration::from_millis(1_500)), 1);
/// assert_eq!(sign_core::unix_seconds(UNIX_EPOCH - Duration::from_millis(1_500)), -2);
/// ```
pub fn unix_seconds(t: SystemTime) -> i64 {
    let saturate = |secs: u64| i64::try_from(secs).unwrap_or(i64::MAX);
    match t.duration_since(UNIX_EPOCH) {
        Ok(after) => saturate(after.as_secs()),
        Err(before) => {
            let before = before.duration();
            -saturate(before.as_secs()) - i64::from(before.subsec_nanos() > 0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Against chrono's `DateTime::timestamp` (what the clients read before) for times after and
    /// before 1970, whole and fractional, and for the clock between two chrono readings.
    #[test]
    fn unix_seconds_are_chronos() {
        let offsets = [
            0,
            1,
            999_999_999,
            1_000_000_000,
            1_000_000_001,
            1_782_347_899_000_000_000,
            1_782_347_899_999_999_999,
        ];
        for nanos in offsets {
            let d = Duration::from_nanos(nanos);
            for t in [UNIX_EPOCH + d, UNIX_EPOCH - d] {
                let want = chrono::DateTime::<chrono::Utc>::from(t).timestamp();
                assert_eq!(unix_seconds(t), want, "{t:?}");
            }
        }
        let before = chrono::Utc::now().timestamp();
        let got = unix_seconds(SystemTime::now());
        let after = chrono::Utc::now().timestamp();
        assert!((before..=after).contains(&got), "{before} {got} {after}");
    }
}
