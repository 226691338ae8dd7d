//! Go's time layouts (`2006-01-02 15:04:05.000 -0700 MST`) for formatting and
//! parsing, and Go's `Duration` text and `ParseDuration`.

use helmd_gotmpl::go_quote;

/// The broken-down fields of an instant in some zone.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fields {
    pub year: i64,
    pub month: i64,
    pub day: i64,
    pub hour: i64,
    pub minute: i64,
    pub second: i64,
    pub nanos: i64,
    /// 0 = Sunday.
    pub weekday: i64,
    pub yday: i64,
    /// Seconds east of UTC.
    pub offset: i64,
    pub abbrev: String,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    TZ,
    Iso8601TZ,
    Iso8601SecondsTZ,
    Iso8601ShortTZ,
    Iso8601ColonTZ,
    Iso8601ColonSecondsTZ,
    NumTZ,
    NumSecondsTz,
    NumShortTZ,
    NumColonTZ,
    NumColonSecondsTZ,
    /// Fractional seconds: separator, digit count, trim trailing zeros.
    Frac(char, usize, bool),
}

/// Go's `nextStdChunk`: (literal prefix, std, rest).
fn next_chunk(layout: &str) -> (&str, Option<(Std, usize)>) {
    let b = layout.as_bytes();
    let has = |i: usize, s: &str| layout.get(i..i + s.len()) == Some(s);
    for i in 0..b.len() {
        let found: Option<(Std, usize)> = match b[i] {
            b'J' if has(i, "January") => Some((Std::LongMonth, 7)),
            b'J' if has(i, "Jan") => Some((Std::Month, 3)),
            b'M' if has(i, "Monday") => Some((Std::LongWeekDay, 6)),
            b'M' if has(i, "Mon") => Some((Std::WeekDay, 3)),
            b'M' if has(i, "MST") => Some((Std::TZ, 3)),
            b'0' if b.get(i + 1).is_some_and(|c| (b'1'..=b'6').contains(c)) => Some((
                [
                    Std::ZeroMonth,
                    Std::ZeroDay,
                    Std::ZeroHour12,
                    Std::ZeroMinute,
                    Std::ZeroSecond,
                    Std::Year,
                ][usize::from(b[i + 1] - b'1')],
                2,
            )),
            b'0' if has(i, "002") => Some((Std::ZeroYearDay, 3)),
            b'1' if has(i, "15") => Some((Std::Hour, 2)),
            b'1' => Some((Std::NumMonth, 1)),
            b'2' if has(i, "2006") => Some((Std::LongYear, 4)),
            b'2' => Some((Std::Day, 1)),
            b'_' if has(i, "_2006") => return (&layout[..i + 1], Some((Std::LongYear, 4))),
            b'_' if has(i, "_2") => Some((Std::UnderDay, 2)),
            b'_' if has(i, "__2") => Some((Std::UnderYearDay, 3)),
            b'3' => Some((Std::Hour12, 1)),
            b'4' => Some((Std::Minute, 1)),
            b'5' => Some((Std::Second, 1)),
            b'P' if has(i, "PM") => Some((Std::PM, 2)),
            b'p' if has(i, "pm") => Some((Std::Pm, 2)),
            b'-' if has(i, "-070000") => Some((Std::NumSecondsTz, 7)),
            b'-' if has(i, "-07:00:00") => Some((Std::NumColonSecondsTZ, 9)),
            b'-' if has(i, "-0700") => Some((Std::NumTZ, 5)),
            b'-' if has(i, "-07:00") => Some((Std::NumColonTZ, 6)),
            b'-' if has(i, "-07") => Some((Std::NumShortTZ, 3)),
            b'Z' if has(i, "Z070000") => Some((Std::Iso8601SecondsTZ, 7)),
            b'Z' if has(i, "Z07:00:00") => Some((Std::Iso8601ColonSecondsTZ, 9)),
            b'Z' if has(i, "Z0700") => Some((Std::Iso8601TZ, 5)),
            b'Z' if has(i, "Z07:00") => Some((Std::Iso8601ColonTZ, 6)),
            b'Z' if has(i, "Z07") => Some((Std::Iso8601ShortTZ, 3)),
            c @ (b'.' | b',') if matches!(b.get(i + 1), Some(b'0' | b'9')) => {
                let ch = b[i + 1];
                let mut j = i + 1;
                while j < b.len() && b[j] == ch {
                    j += 1;
                }
                if b.get(j).is_some_and(u8::is_ascii_digit) {
                    None
                } else {
                    Some((Std::Frac(char::from(c), j - i - 1, ch == b'9'), j - i))
                }
            }
            _ => None,
        };
        if let Some(f) = found {
            return (&layout[..i], Some(f));
        }
    }
    (layout, None)
}

fn pad(out: &mut String, v: i64, width: usize) {
    if v < 0 {
        out.push('-');
    }
    out.push_str(&format!("{:0width$}", v.unsigned_abs()));
}

fn frac_digits(nanos: i64, n: usize, trim: bool) -> String {
    let s = format!("{nanos:09}");
    let s = &s[..n.min(9)];
    if trim {
        s.trim_end_matches('0').to_string()
    } else {
        s.to_string()
    }
}

/// Go's `Time.Format`.
pub(crate) fn format(f: &Fields, layout: &str) -> String {
    let mut out = String::new();
    let mut rest = layout;
    while !rest.is_empty() {
        let (lit, chunk) = next_chunk(rest);
        out.push_str(lit);
        let Some((std, len)) = chunk else {
            break;
        };
        rest = &rest[lit.len() + len..];
        let hour12 = if f.hour % 12 == 0 { 12 } else { f.hour % 12 };
        match std {
            Std::Year => pad(&mut out, f.year.rem_euclid(100), 2),
            Std::LongYear => pad(&mut out, f.year, 4),
            Std::Month => out.push_str(&MONTHS[(f.month - 1) as usize][..3]),
            Std::LongMonth => out.push_str(MONTHS[(f.month - 1) as usize]),
            Std::NumMonth => pad(&mut out, f.month, 0),
            Std::ZeroMonth => pad(&mut out, f.month, 2),
            Std::WeekDay => out.push_str(&DAYS[f.weekday as usize][..3]),
            Std::LongWeekDay => out.push_str(DAYS[f.weekday as usize]),
            Std::Day => pad(&mut out, f.day, 0),
            Std::UnderDay => out.push_str(&format!("{:>2}", f.day)),
            Std::ZeroDay => pad(&mut out, f.day, 2),
            Std::UnderYearDay => out.push_str(&format!("{:>3}", f.yday)),
            Std::ZeroYearDay => pad(&mut out, f.yday, 3),
            Std::Hour => pad(&mut out, f.hour, 2),
            Std::Hour12 => pad(&mut out, hour12, 0),
            Std::ZeroHour12 => pad(&mut out, hour12, 2),
            Std::Minute => pad(&mut out, f.minute, 0),
            Std::ZeroMinute => pad(&mut out, f.minute, 2),
            Std::Second => pad(&mut out, f.second, 0),
            Std::ZeroSecond => pad(&mut out, f.second, 2),
            Std::PM => out.push_str(if f.hour >= 12 { "PM" } else { "AM" }),
            Std::Pm => out.push_str(if f.hour >= 12 { "pm" } else { "am" }),
            Std::Iso8601TZ
            | Std::Iso8601SecondsTZ
            | Std::Iso8601ShortTZ
            | Std::Iso8601ColonTZ
            | Std::Iso8601ColonSecondsTZ
                if f.offset == 0 =>
            {
                out.push('Z');
            }
            Std::TZ if !f.abbrev.is_empty() => out.push_str(&f.abbrev),
            Std::TZ => {
                let z = f.offset / 60;
                out.push(if z < 0 { '-' } else { '+' });
                pad(&mut out, z.abs() / 60, 2);
                pad(&mut out, z.abs() % 60, 2);
            }
            Std::Frac(sep, n, trim) => {
                let d = frac_digits(f.nanos, n, trim);
                if !(trim && d.is_empty()) {
                    out.push(sep);
                    out.push_str(&d);
                }
            }
            zone => {
                let z = f.offset / 60;
                let abs = f.offset.abs();
                out.push(if z < 0 { '-' } else { '+' });
                pad(&mut out, z.abs() / 60, 2);
                let colon = matches!(
                    zone,
                    Std::Iso8601ColonTZ
                        | Std::NumColonTZ
                        | Std::Iso8601ColonSecondsTZ
                        | Std::NumColonSecondsTZ
                );
                if !matches!(zone, Std::NumShortTZ | Std::Iso8601ShortTZ) {
                    if colon {
                        out.push(':');
                    }
                    pad(&mut out, z.abs() % 60, 2);
                }
                if matches!(
                    zone,
                    Std::Iso8601SecondsTZ
                        | Std::NumSecondsTz
                        | Std::NumColonSecondsTZ
                        | Std::Iso8601ColonSecondsTZ
                ) {
                    if colon {
                        out.push(':');
                    }
                    pad(&mut out, abs % 60, 2);
                }
            }
        }
    }
    out
}

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

fn parse_offset(v: &str, std: Std) -> Option<(i64, &str)> {
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
    Some((sign * (h * 3600 + m * 60 + s), rest))
}

/// Go's `time.Parse` for the layout elements above.
pub(crate) fn parse(layout: &str, value: &str) -> Result<Parsed, String> {
    let mut p = Parsed {
        year: 1,
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
                let (h, r) = take_num(v, 2, 2).ok_or_else(bad)?;
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
                if b.is_empty() || !matches!(b[0], b'.' | b',') {
                    if trim {
                        continue;
                    }
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
                let (off, r) = parse_offset(v, zone).ok_or_else(bad)?;
                p.offset = Some(off);
                v = r;
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

fn frac_text(v: u64, prec: usize) -> (String, u64) {
    let mut digits = String::new();
    let mut u = v;
    let mut print = false;
    for _ in 0..prec {
        let d = u % 10;
        print = print || d != 0;
        if print {
            digits.insert(0, char::from(b'0' + d as u8));
        }
        u /= 10;
    }
    if print {
        digits.insert(0, '.');
    }
    (digits, u)
}

/// Go's `Duration.String`.
pub(crate) fn duration_string(d: i64) -> String {
    let neg = d < 0;
    let u = d.unsigned_abs();
    let mut out;
    if u < 1_000_000_000 {
        if u == 0 {
            return "0s".into();
        }
        let (prec, unit) = if u < 1_000 {
            (0, "ns")
        } else if u < 1_000_000 {
            (3, "µs")
        } else {
            (6, "ms")
        };
        let (frac, int) = frac_text(u, prec);
        out = format!("{int}{frac}{unit}");
    } else {
        let (frac, mut u) = frac_text(u, 9);
        out = format!("{}{frac}s", u % 60);
        u /= 60;
        if u > 0 {
            out = format!("{}m{out}", u % 60);
            u /= 60;
            if u > 0 {
                out = format!("{u}h{out}");
            }
        }
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

/// Go's `time.ParseDuration`.
pub(crate) fn parse_duration(s: &str) -> Result<i64, String> {
    let orig = s;
    let invalid = || format!("time: invalid duration {}", go_quote(orig));
    let (neg, mut s) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: f64 = 0.0;
    let mut exact: i128 = 0;
    while !s.is_empty() {
        let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
        let int_part = &s[..int_len];
        s = &s[int_len..];
        let mut frac_part = "";
        if let Some(r) = s.strip_prefix('.') {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            frac_part = &r[..n];
            s = &r[n..];
            if int_len == 0 && n == 0 {
                return Err(invalid());
            }
        } else if int_len == 0 {
            return Err(invalid());
        }
        let unit_len = s
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map_or(s.len(), |(i, _)| i);
        let unit = &s[..unit_len];
        s = &s[unit_len..];
        let scale: i128 = match unit {
            "" => return Err(format!("time: missing unit in duration {}", go_quote(orig))),
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    go_quote(unit),
                    go_quote(orig)
                ));
            }
        };
        let iv: i128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| invalid())?
        };
        exact += iv * scale;
        if !frac_part.is_empty() {
            let fv: f64 = format!("0.{frac_part}").parse().unwrap_or(0.0);
            total += fv * scale as f64;
        }
        if exact > i128::from(i64::MAX) {
            return Err(invalid());
        }
    }
    let v = exact + total as i128;
    let v = i64::try_from(v).map_err(|_| invalid())?;
    Ok(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_like_go() {
        assert_eq!(duration_string(90_000_000_000), "1m30s");
        assert_eq!(duration_string(1_500_000), "1.5ms");
        assert_eq!(duration_string(3_600_000_000_000), "1h0m0s");
        assert_eq!(duration_string(-1), "-1ns");
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000_000_000));
        assert_eq!(parse_duration("1.5h"), Ok(5_400_000_000_000));
    }

    #[test]
    fn layouts_format_like_go() {
        let f = Fields {
            year: 2024,
            month: 3,
            day: 5,
            hour: 14,
            minute: 7,
            second: 9,
            nanos: 120_000_000,
            weekday: 2,
            yday: 65,
            offset: 0,
            abbrev: "UTC".into(),
        };
        assert_eq!(
            format(&f, "2006-01-02 15:04:05.999999999 -0700 MST"),
            "2024-03-05 14:07:09.12 +0000 UTC"
        );
        assert_eq!(format(&f, "Mon Jan _2 3:04PM"), "Tue Mar  5 2:07PM");
    }
}
