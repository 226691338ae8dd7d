//! Go's `time.Parse` for the layout elements `time_fmt` knows, with Go's
//! error texts (`parsing time "x" as "2006": cannot parse "x" as "2006"`).

use helmd_gotmpl::go_quote;

use super::time_fmt::{DAYS, MONTHS, Std, next_chunk};

/// What `parse` read: civil fields plus an explicit offset or zone name.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub year: i64,
    pub month: i64,
    pub day: i64,
    pub hour: i64,
    pub minute: i64,
    pub second: i64,
    pub nanos: i64,
    pub offset: Option<i64>,
    pub zone_name: Option<String>,
    /// The value said `Z` or `UTC`: the location is UTC itself.
    pub utc: bool,
}

fn parse_error(value: &str, layout: &str, velem: &str, lelem: &str) -> String {
    format!(
        "parsing time {} as {}: cannot parse {} as {}",
        go_quote(value),
        go_quote(layout),
        go_quote(velem),
        go_quote(lelem)
    )
}

/// Leading digits: exactly `n` (fixed) or 1–`n` (flexible).
fn take_num(v: &str, min: usize, max: usize) -> Option<(i64, &str)> {
    let len = v.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if len < min {
        return None;
    }
    Some((v[..len].parse().ok()?, &v[len..]))
}

fn lookup<'a>(v: &'a str, names: &[&str], short: bool) -> Option<(usize, &'a str)> {
    for (i, n) in names.iter().enumerate() {
        let n = if short { &n[..3] } else { n };
        if v.len() >= n.len() && v[..n.len()].eq_ignore_ascii_case(n) {
            return Some((i, &v[n.len()..]));
        }
    }
    None
}

fn parse_offset(v: &str, std: Std) -> Option<Offset<'_>> {
    let sign = match v.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let v = &v[1..];
    let (colon, secs, short) = match std {
        Std::NumColonTZ | Std::Iso8601ColonTZ => (true, false, false),
        Std::NumColonSecondsTZ | Std::Iso8601ColonSecondsTZ => (true, true, false),
        Std::NumSecondsTz | Std::Iso8601SecondsTZ => (false, true, false),
        Std::NumShortTZ | Std::Iso8601ShortTZ => (false, false, true),
        _ => (false, false, false),
    };
    let (h, mut rest) = take_num(v, 2, 2)?;
    let mut m = 0;
    let mut s = 0;
    if !short {
        if colon {
            rest = rest.strip_prefix(':')?;
        }
        (m, rest) = take_num(rest, 2, 2)?;
        if secs {
            if colon {
                rest = rest.strip_prefix(':')?;
            }
            (s, rest) = take_num(rest, 2, 2)?;
        }
    }
    // Go allows offsets of 24 hours, 60 minutes or 60 seconds, no more
    let range = if s > 60 {
        Some("time zone offset second")
    } else if m > 60 {
        Some("time zone offset minute")
    } else if h > 24 {
        Some("time zone offset hour")
    } else {
        None
    };
    Some(Offset {
        seconds: sign * (h * 3600 + m * 60 + s),
        rest,
        range,
    })
}

/// A numeric zone offset read from a value.
struct Offset<'a> {
    seconds: i64,
    rest: &'a str,
    /// The part out of Go's range, if any.
    range: Option<&'static str>,
}

/// Go's `time.Parse` for the layout elements above.
pub(crate) fn parse(layout: &str, value: &str) -> Result<Parsed, String> {
    let mut p = Parsed {
        year: 0,
        month: 1,
        day: 1,
        ..Parsed::default()
    };
    let mut pm: Option<bool> = None;
    let mut l = layout;
    let mut v = value;
    let mut yday: Option<i64> = None;
    loop {
        let (lit, chunk) = next_chunk(l);
        let Some(rest_v) = v.strip_prefix(lit) else {
            return Err(parse_error(value, layout, v, lit));
        };
        v = rest_v;
        let Some((std, len)) = chunk else {
            if !v.is_empty() {
                return Err(format!(
                    "parsing time {}: extra text: {}",
                    go_quote(value),
                    go_quote(v)
                ));
            }
            break;
        };
        let lelem = &l[lit.len()..lit.len() + len];
        l = &l[lit.len() + len..];
        let hold = v;
        let bad = || parse_error(value, layout, hold, lelem);
        let range = |what: &str| format!("parsing time {}: {what} out of range", go_quote(value));
        match std {
            Std::Year => {
                let (y, r) = take_num(v, 2, 2).ok_or_else(bad)?;
                p.year = if y >= 69 { y + 1900 } else { y + 2000 };
                v = r;
            }
            Std::LongYear => {
                let (y, r) = take_num(v, 4, 4).ok_or_else(bad)?;
                p.year = y;
                v = r;
            }
            Std::Month | Std::LongMonth => {
                let (m, r) = lookup(v, &MONTHS, std == Std::Month).ok_or_else(bad)?;
                p.month = m as i64 + 1;
                v = r;
            }
            Std::NumMonth | Std::ZeroMonth => {
                let min = if std == Std::ZeroMonth { 2 } else { 1 };
                let (m, r) = take_num(v, min, 2).ok_or_else(bad)?;
                if !(1..=12).contains(&m) {
                    return Err(range("month"));
                }
                p.month = m;
                v = r;
            }
            Std::WeekDay | Std::LongWeekDay => {
                let (_, r) = lookup(v, &DAYS, std == Std::WeekDay).ok_or_else(bad)?;
                v = r;
            }
            Std::Day | Std::UnderDay | Std::ZeroDay => {
                if std == Std::UnderDay && v.starts_with(' ') {
                    v = &v[1..];
                }
                let min = if std == Std::ZeroDay { 2 } else { 1 };
                let (d, r) = take_num(v, min, 2).ok_or_else(bad)?;
                p.day = d;
                v = r;
            }
            Std::UnderYearDay | Std::ZeroYearDay => {
                let mut t = v;
                for _ in 0..2 {
                    if std == Std::UnderYearDay {
                        t = t.strip_prefix(' ').unwrap_or(t);
                    }
                }
                let min = if std == Std::ZeroYearDay { 3 } else { 1 };
                let (d, r) = take_num(t, min, 3).ok_or_else(bad)?;
                yday = Some(d);
                v = r;
            }
            Std::Hour => {
                // Go reads one digit too (`7:04` for `15:04`)
                let (h, r) = take_num(v, 1, 2).ok_or_else(bad)?;
                if h >= 24 {
                    return Err(range("hour"));
                }
                p.hour = h;
                v = r;
            }
            Std::Hour12 | Std::ZeroHour12 => {
                let min = if std == Std::ZeroHour12 { 2 } else { 1 };
                let (h, r) = take_num(v, min, 2).ok_or_else(bad)?;
                if h > 12 {
                    return Err(range("hour"));
                }
                p.hour = h;
                v = r;
            }
            Std::Minute | Std::ZeroMinute | Std::Second | Std::ZeroSecond => {
                let min = if matches!(std, Std::ZeroMinute | Std::ZeroSecond) {
                    2
                } else {
                    1
                };
                let (n, mut r) = take_num(v, min, 2).ok_or_else(bad)?;
                if n >= 60 {
                    return Err(range(if matches!(std, Std::Minute | Std::ZeroMinute) {
                        "minute"
                    } else {
                        "second"
                    }));
                }
                if matches!(std, Std::Second | Std::ZeroSecond) {
                    p.second = n;
                    // fractional seconds the layout does not mention
                    let next_is_frac = matches!(next_chunk(l), ("", Some((Std::Frac(..), _))));
                    if !next_is_frac
                        && r.len() > 1
                        && matches!(r.as_bytes()[0], b'.' | b',')
                        && r.as_bytes()[1].is_ascii_digit()
                    {
                        let n = r[1..].bytes().take_while(u8::is_ascii_digit).count();
                        p.nanos = nanos_of(&r[1..1 + n]);
                        r = &r[1 + n..];
                    }
                } else {
                    p.minute = n;
                }
                v = r;
            }
            Std::PM | Std::Pm => {
                let word = v.get(..2).ok_or_else(bad)?;
                pm = Some(match word {
                    "PM" | "pm" if (std == Std::PM) == (word == "PM") => true,
                    "AM" | "am" if (std == Std::PM) == (word == "AM") => false,
                    _ => return Err(bad()),
                });
                v = &v[2..];
            }
            Std::Frac(_, n, trim) => {
                let b = v.as_bytes();
                let has_fraction =
                    b.len() >= 2 && matches!(b[0], b'.' | b',') && b[1].is_ascii_digit();
                if trim && !has_fraction {
                    // optional (`.999`): omitted unless a digit follows the point
                    continue;
                }
                if b.is_empty() || !matches!(b[0], b'.' | b',') {
                    return Err(bad());
                }
                let digits = v[1..].bytes().take_while(u8::is_ascii_digit).count();
                if !trim && digits < n {
                    return Err(bad());
                }
                let take = if trim { digits } else { n };
                p.nanos = nanos_of(&v[1..1 + take]);
                v = &v[1 + take..];
            }
            Std::TZ => {
                if v.starts_with("UTC") {
                    p.utc = true;
                    v = &v[3..];
                } else {
                    let n = v.bytes().take_while(u8::is_ascii_uppercase).count();
                    if n < 3 {
                        return Err(bad());
                    }
                    p.zone_name = Some(v[..n].to_string());
                    v = &v[n..];
                }
            }
            zone => {
                if matches!(
                    zone,
                    Std::Iso8601TZ
                        | Std::Iso8601ColonTZ
                        | Std::Iso8601SecondsTZ
                        | Std::Iso8601ShortTZ
                        | Std::Iso8601ColonSecondsTZ
                ) && v.starts_with('Z')
                {
                    p.utc = true;
                    v = &v[1..];
                    continue;
                }
                let off = parse_offset(v, zone).ok_or_else(bad)?;
                if let Some(what) = off.range {
                    return Err(range(what));
                }
                p.offset = Some(off.seconds);
                v = off.rest;
            }
        }
    }
    if let Some(is_pm) = pm {
        if is_pm && p.hour < 12 {
            p.hour += 12;
        } else if !is_pm && p.hour == 12 {
            p.hour = 0;
        }
    }
    if let Some(d) = yday {
        // the day of the year decides month and day (Go checks they agree)
        let leap = days_in(p.year, 2) == 29;
        if d < 1 || d > if leap { 366 } else { 365 } {
            return Err(format!(
                "parsing time {}: day-of-year out of range",
                go_quote(value)
            ));
        }
        let (mut m, mut left) = (1, d);
        while left > days_in(p.year, m) {
            left -= days_in(p.year, m);
            m += 1;
        }
        p.month = m;
        p.day = left;
    }
    if p.day < 1 || p.day > days_in(p.year, p.month) {
        return Err(format!(
            "parsing time {}: day out of range",
            go_quote(value)
        ));
    }
    Ok(p)
}

fn nanos_of(digits: &str) -> i64 {
    let mut s: String = digits.chars().take(9).collect();
    while s.len() < 9 {
        s.push('0');
    }
    s.parse().unwrap_or(0)
}

fn days_in(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}
