//! Go's time layouts (`2006-01-02 15:04:05.000 -0700 MST`): the layout
//! scanner and `Time.Format`.

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

pub(super) const MONTHS: [&str; 12] = [
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
pub(super) const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Std {
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
pub(super) fn next_chunk(layout: &str) -> (&str, Option<(Std, usize)>) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
