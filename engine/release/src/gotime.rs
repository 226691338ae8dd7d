//! Go `time.Time` as encoding/json writes and reads it (RFC 3339 with nanoseconds and zone).

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::{Error, Result};

/// Go's zero time as its JSON text (written where a field has no `omitzero`).
pub const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// Go's `time.Time.MarshalJSON` body (without quotes): RFC3339Nano, trailing
/// fractional zeros trimmed, `Z` for a zero offset, else `±hh:mm`.
pub fn format(t: &OffsetDateTime) -> String {
    let mut out = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    let nanos = t.nanosecond();
    if nanos != 0 {
        let digits = format!("{nanos:09}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
    let offset = t.offset().whole_minutes();
    if offset == 0 {
        out.push('Z');
    } else {
        let sign = if offset < 0 { '-' } else { '+' };
        let m = offset.unsigned_abs();
        out.push_str(&format!("{sign}{:02}:{:02}", m / 60, m % 60));
    }
    out
}

/// Parses Go's JSON time text, keeping its offset. Go's zero time and the empty
/// string (which Helm's `Info` and `HookExecution` accept) are `None`.
pub fn parse(text: &str) -> Result<Option<OffsetDateTime>> {
    if text.is_empty() {
        return Ok(None);
    }
    let t = OffsetDateTime::parse(text, &Rfc3339).map_err(|_| Error::Time(text.to_string()))?;
    Ok(if is_zero(&t) { None } else { Some(t) })
}

/// Go's `Time.IsZero`: the instant January 1, year 1, 00:00:00 UTC.
fn is_zero(t: &OffsetDateTime) -> bool {
    let utc = t.to_offset(time::UtcOffset::UTC);
    utc.year() == 1
        && u8::from(utc.month()) == 1
        && utc.day() == 1
        && utc.time() == time::Time::MIDNIGHT
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Option<&str>) {
        let parsed = parse(text).expect("parses");
        assert_eq!(parsed.as_ref().map(format).as_deref(), expected, "{text}");
    }

    #[test]
    fn times_round_trip_in_go_form() {
        check(
            "2026-12-07T15:47:38.123456789Z",
            Some("2026-12-07T15:47:38.123456789Z"),
        );
        check(
            "2026-12-07T15:47:38.120+01:00",
            Some("2026-12-07T15:47:38.12+01:00"),
        );
        check(
            "2026-12-07T15:47:38-05:30",
            Some("2026-12-07T15:47:38-05:30"),
        );
        check("2026-12-07T15:47:38+00:00", Some("2026-12-07T15:47:38Z"));
    }

    #[test]
    fn zero_and_empty_times_are_absent() {
        check(ZERO_TIME, None);
        check("", None);
    }

    #[test]
    fn a_malformed_time_is_an_error() {
        assert!(matches!(parse("yesterday"), Err(Error::Time(_))));
    }
}
