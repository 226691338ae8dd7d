//! Sprig's date functions over a `time.Time` object: Go layouts, zones from
//! the system tz database (Go's `Local` is the system zone), Go's
//! `time.Time` text and `Duration` strings.

use std::any::Any;
use std::sync::Arc;

use helmd_gotmpl::{ArgType, Arity, FuncMap, FuncResult};
use helmd_yaml::{IntKind, Object, ObjectError, Value};
use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};

use super::duration::{duration_string, parse_duration};
use super::str_arg;
use super::time_fmt::{Fields, format};
use super::time_parse::parse;

const S: ArgType = ArgType::String;
const TIME: ArgType = ArgType::Named("time.Time");

/// A Go location.
#[derive(Debug, Clone)]
enum Zone {
    Utc,
    /// Go's `Local` (the system zone).
    Local,
    /// A zone loaded by name.
    Named(TimeZone),
    /// `FixedZone(name, offset)`.
    Fixed(String, i32),
}

impl Zone {
    fn load(name: &str) -> Option<Zone> {
        match name {
            "" | "UTC" => Some(Zone::Utc),
            "Local" => Some(Zone::Local),
            n => TimeZone::get(n).ok().map(Zone::Named),
        }
    }

    fn tz(&self) -> TimeZone {
        match self {
            Zone::Utc => TimeZone::UTC,
            Zone::Local => TimeZone::system(),
            Zone::Named(tz) => tz.clone(),
            Zone::Fixed(_, off) => {
                TimeZone::fixed(Offset::from_seconds(*off).unwrap_or(Offset::UTC))
            }
        }
    }

    /// Offset (seconds) and abbreviation at `ts`.
    fn info(&self, ts: Timestamp) -> (i64, String) {
        match self {
            Zone::Utc => (0, "UTC".into()),
            Zone::Fixed(name, off) => (i64::from(*off), name.clone()),
            z => {
                let tz = z.tz();
                let info = tz.to_offset_info(ts);
                (
                    i64::from(info.offset().seconds()),
                    info.abbreviation().to_string(),
                )
            }
        }
    }
}

/// A Go `time.Time`.
#[derive(Debug, Clone)]
pub(crate) struct GoTime {
    secs: i64,
    nanos: i32,
    zone: Zone,
    /// Monotonic clock reading printed as ` m=+…` (only `now` has one).
    mono: Option<String>,
}

const ZERO_SECS: i64 = -62_135_596_800;

impl GoTime {
    fn zero() -> GoTime {
        GoTime {
            secs: ZERO_SECS,
            nanos: 0,
            zone: Zone::Utc,
            mono: None,
        }
    }

    fn now() -> GoTime {
        let ts = Timestamp::now();
        GoTime {
            secs: ts.as_second(),
            nanos: ts.subsec_nanosecond(),
            zone: Zone::Local,
            mono: Some("+0.000000001".into()),
        }
    }

    fn from_unix(secs: i64) -> GoTime {
        GoTime {
            secs,
            nanos: 0,
            zone: Zone::Local,
            mono: None,
        }
    }

    fn ts(&self) -> Timestamp {
        Timestamp::new(self.secs, self.nanos).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn fields(&self) -> Fields {
        // zone rules from the nearest instant jiff covers (years ±9999);
        // the calendar itself is proleptic Gregorian for any year, as in Go
        let (offset, abbrev) = self.zone.info(clamped_ts(self.secs));
        let local = self.secs.saturating_add(offset);
        let days = local.div_euclid(86_400);
        let sod = local.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        Fields {
            year,
            month,
            day,
            hour: sod / 3600,
            minute: sod % 3600 / 60,
            second: sod % 60,
            nanos: i64::from(self.nanos),
            weekday: (days + 4).rem_euclid(7),
            yday: days - days_from_civil(year, 1, 1) + 1,
            offset,
            abbrev,
        }
    }

    fn format(&self, layout: &str) -> String {
        format(&self.fields(), layout)
    }

    fn in_zone(&self, zone: Zone) -> GoTime {
        GoTime {
            zone,
            ..self.clone()
        }
    }

    fn add_nanos(&self, d: i64) -> GoTime {
        let total = i128::from(self.secs) * 1_000_000_000 + i128::from(self.nanos) + i128::from(d);
        GoTime {
            secs: total.div_euclid(1_000_000_000) as i64,
            nanos: total.rem_euclid(1_000_000_000) as i32,
            ..self.clone()
        }
    }

    fn text(&self) -> String {
        let mut s = self.format("2006-01-02 15:04:05.999999999 -0700 MST");
        if let Some(m) = &self.mono {
            s.push_str(" m=");
            s.push_str(m);
        }
        s
    }

    fn since_nanos(&self) -> i64 {
        let now = Timestamp::now();
        let n = i128::from(now.as_second() - self.secs) * 1_000_000_000
            + i128::from(now.subsec_nanosecond() - self.nanos);
        n.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }
}

/// The instant nearest `secs` that jiff can represent (years ±9999).
fn clamped_ts(secs: i64) -> Timestamp {
    Timestamp::new(
        secs.clamp(Timestamp::MIN.as_second(), Timestamp::MAX.as_second()),
        0,
    )
    .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The proleptic Gregorian date of a day count from 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days from 1970-01-01 to a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A named Go integer with a `String` method (`time.Month`, `time.Weekday`).
#[derive(Debug)]
struct GoEnum {
    type_name: &'static str,
    value: i64,
    name: &'static str,
}

impl Object for GoEnum {
    fn type_name(&self) -> &str {
        self.type_name
    }
    fn kind(&self) -> &str {
        "int"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn has_method(&self, name: &str) -> bool {
        name == "String"
    }
    fn method_arity(&self, name: &str) -> Option<usize> {
        (name == "String").then_some(0)
    }
    fn call_method(&self, name: &str, _args: &[Value]) -> Option<Result<Value, ObjectError>> {
        (name == "String").then(|| Ok(Value::str(self.name)))
    }
    fn format(&self, _plus: bool) -> String {
        self.name.to_string()
    }
    fn truth(&self) -> bool {
        self.value != 0
    }
    fn to_data(&self) -> Value {
        Value::int(self.value)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

const MONTH_NAMES: [&str; 12] = [
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
const DAY_NAMES: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

const METHODS: &[(&str, usize)] = &[
    ("Month", 0),
    ("Weekday", 0),
    ("Format", 1),
    ("Unix", 0),
    ("UnixMilli", 0),
    ("UnixNano", 0),
    ("Year", 0),
    ("YearDay", 0),
    ("Day", 0),
    ("Hour", 0),
    ("Minute", 0),
    ("Second", 0),
    ("Nanosecond", 0),
    ("UTC", 0),
    ("Local", 0),
    ("IsZero", 0),
    ("String", 0),
];

impl Object for GoTime {
    fn type_name(&self) -> &str {
        "time.Time"
    }
    fn kind(&self) -> &str {
        "struct"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn has_method(&self, name: &str) -> bool {
        METHODS.iter().any(|(n, _)| *n == name)
    }
    fn method_arity(&self, name: &str) -> Option<usize> {
        METHODS.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, ObjectError>> {
        let f = || self.fields();
        let int = |v: i64| Ok(Value::int(v));
        Some(match name {
            "Format" => match args.first() {
                Some(Value::String(l)) => Ok(Value::from(self.format(l))),
                Some(other) => Err(ObjectError(format!(
                    "wrong type for value; expected string; got {}",
                    other.type_name()
                ))),
                None => Err(ObjectError(
                    "wrong number of args for Format: want 1 got 0".into(),
                )),
            },
            "Unix" => Ok(Value::Int(self.secs, IntKind::Int64)),
            "UnixMilli" => Ok(Value::Int(
                self.secs * 1000 + i64::from(self.nanos) / 1_000_000,
                IntKind::Int64,
            )),
            "UnixNano" => Ok(Value::Int(
                self.secs.wrapping_mul(1_000_000_000) + i64::from(self.nanos),
                IntKind::Int64,
            )),
            "Month" => {
                let m = f().month;
                Ok(Value::Object(Arc::new(GoEnum {
                    type_name: "time.Month",
                    value: m,
                    name: MONTH_NAMES[(m - 1).clamp(0, 11) as usize],
                })))
            }
            "Weekday" => {
                let d = f().weekday;
                Ok(Value::Object(Arc::new(GoEnum {
                    type_name: "time.Weekday",
                    value: d,
                    name: DAY_NAMES[d.clamp(0, 6) as usize],
                })))
            }
            "Year" => int(f().year),
            "YearDay" => int(f().yday),
            "Day" => int(f().day),
            "Hour" => int(f().hour),
            "Minute" => int(f().minute),
            "Second" => int(f().second),
            "Nanosecond" => int(i64::from(self.nanos)),
            "UTC" => Ok(time_value(GoTime {
                mono: None,
                ..self.in_zone(Zone::Utc)
            })),
            "Local" => Ok(time_value(GoTime {
                mono: None,
                ..self.in_zone(Zone::Local)
            })),
            "IsZero" => Ok(Value::Bool(self.secs == ZERO_SECS && self.nanos == 0)),
            "String" => Ok(Value::from(self.text())),
            _ => return None,
        })
    }
    fn format(&self, _plus: bool) -> String {
        self.text()
    }
    fn to_data(&self) -> Value {
        Value::from(self.format("2006-01-02T15:04:05.999999999Z07:00"))
    }
    fn marshal_error(&self) -> Option<String> {
        let year = self.fields().year;
        (!(0..=9999).contains(&year))
            .then(|| "Time.MarshalJSON: year outside of range [0,9999]".to_string())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn time_value(t: GoTime) -> Value {
    Value::Object(Arc::new(t))
}

fn as_time(v: &Value) -> Option<GoTime> {
    match v {
        Value::Object(o) => o.as_any().downcast_ref::<GoTime>().cloned(),
        _ => None,
    }
}

/// The instant Sprig's date functions take: a time, or Unix seconds
/// (`int`, `int32`, `int64`); anything else is now.
fn date_arg(v: &Value) -> GoTime {
    match v {
        Value::Int(i, IntKind::Int | IntKind::Int32 | IntKind::Int64) => GoTime::from_unix(*i),
        other => as_time(other).unwrap_or_else(GoTime::now),
    }
}

fn date_in_zone(layout: &str, date: &Value, zone: &str) -> String {
    let zone = Zone::load(zone).unwrap_or(Zone::Utc);
    date_arg(date).in_zone(zone).format(layout)
}

/// Go's `time.ParseInLocation(layout, value, time.Local)`.
fn to_date(layout: &str, value: &str) -> Result<GoTime, String> {
    let p = parse(layout, value)?;
    // whole seconds here: a timestamp before 1970 keeps its fraction apart
    // (`as_second` of -0.5 s would be 0, Go's second is -1)
    let dt = DateTime::new(
        p.year as i16,
        p.month as i8,
        p.day as i8,
        p.hour as i8,
        p.minute as i8,
        p.second as i8,
        0,
    )
    .map_err(|e| e.to_string())?;
    let local = Zone::Local;
    // computed here: jiff's timestamps stop short of 9999-12-31
    let utc_secs = days_from_civil(p.year, p.month, p.day) * 86_400
        + i64::from(dt.hour()) * 3600
        + i64::from(dt.minute()) * 60
        + i64::from(dt.second());
    let (secs, zone) = if p.utc {
        (utc_secs, Zone::Utc)
    } else if let Some(off) = p.offset {
        let secs = utc_secs - off;
        let ts = Timestamp::new(secs, 0).unwrap_or(Timestamp::UNIX_EPOCH);
        let (loff, abbr) = local.info(ts);
        let name = p.zone_name.clone().unwrap_or_default();
        if loff == off && (name.is_empty() || name == abbr) {
            (secs, local)
        } else {
            (secs, Zone::Fixed(name, off as i32))
        }
    } else if let Some(name) = &p.zone_name {
        let ts = dt
            .to_zoned(local.tz())
            .map_err(|e| e.to_string())?
            .timestamp();
        let (_, abbr) = local.info(ts);
        if &abbr == name {
            (ts.as_second(), local)
        } else {
            let off = name
                .strip_prefix("GMT")
                .filter(|r| !r.is_empty())
                .and_then(|r| r.parse::<i64>().ok())
                .map_or(0, |h| h * 3600);
            (utc_secs - off, Zone::Fixed(name.clone(), off as i32))
        }
    } else {
        let secs = match dt.to_zoned(local.tz()) {
            Ok(z) => z.timestamp().as_second(),
            // past jiff's range: the zone's offset at the nearest instant it has
            Err(_) => utc_secs - local.info(clamped_ts(utc_secs)).0,
        };
        (secs, local)
    };
    Ok(GoTime {
        secs,
        nanos: p.nanos as i32,
        zone,
        mono: None,
    })
}

/// Go's `time.ParseInLocation(layout, value, loc)` as BurntSushi/toml calls
/// it: `loc` is `time.Local` for `zone` None, else `FixedZone(zone, offset
/// of Local now)` (its local date-times, dates and times).
pub(crate) fn toml_time(layout: &str, value: &str, zone: Option<&str>) -> Option<Value> {
    let parsed = to_date(layout, value).ok()?;
    Some(time_value(match zone {
        Some(name) => {
            let (off, _) = Zone::Local.info(Timestamp::now());
            let civil_secs = parsed.secs + Zone::Local.info(parsed.ts()).0;
            GoTime {
                secs: civil_secs - off,
                zone: Zone::Fixed(name.to_string(), off as i32),
                ..parsed
            }
        }
        None => parsed,
    }))
}

fn duration_round(v: &Value) -> String {
    let d: i64 = match v {
        Value::String(s) => parse_duration(s).unwrap_or(0),
        Value::Int(i, IntKind::Int64) => *i,
        other => as_time(other).map_or(0, |t| t.since_nanos()),
    };
    let u = d.unsigned_abs();
    const HOUR: u64 = 3_600_000_000_000;
    let units: [(u64, &str); 6] = [
        (HOUR * 24 * 365, "y"),
        (HOUR * 24 * 30, "mo"),
        (HOUR * 24, "d"),
        (HOUR, "h"),
        (60_000_000_000, "m"),
        (1_000_000_000, "s"),
    ];
    for (size, unit) in units {
        if u > size {
            return format!("{}{unit}", u / size);
        }
    }
    "0s".into()
}

fn date_modify(a: &[Value], must: bool) -> FuncResult {
    let t = as_time(&a[1]).unwrap_or_else(GoTime::zero);
    match parse_duration(str_arg(&a[0])) {
        Ok(d) => Ok(time_value(t.add_nanos(d))),
        Err(e) if must => Err(e.into()),
        Err(_) => Ok(time_value(t)),
    }
}

pub(crate) fn register(f: &mut FuncMap) {
    f.insert("now", Arity::Exact(0), |_, _| Ok(time_value(GoTime::now())));
    f.insert_typed("date", Arity::Exact(2), &[S], |_, a| {
        Ok(Value::from(date_in_zone(str_arg(&a[0]), &a[1], "Local")))
    });
    for name in ["dateInZone", "date_in_zone"] {
        f.insert_typed(name, Arity::Exact(3), &[S, ArgType::Any, S], |_, a| {
            Ok(Value::from(date_in_zone(
                str_arg(&a[0]),
                &a[1],
                str_arg(&a[2]),
            )))
        });
    }
    f.insert("htmlDate", Arity::Exact(1), |_, a| {
        Ok(Value::from(date_in_zone("2006-01-02", &a[0], "Local")))
    });
    f.insert_typed(
        "htmlDateInZone",
        Arity::Exact(2),
        &[ArgType::Any, S],
        |_, a| {
            Ok(Value::from(date_in_zone(
                "2006-01-02",
                &a[0],
                str_arg(&a[1]),
            )))
        },
    );
    for name in ["dateModify", "date_modify"] {
        f.insert_typed(name, Arity::Exact(2), &[S, TIME], |_, a| {
            date_modify(a, false)
        });
    }
    for name in ["mustDateModify", "must_date_modify"] {
        f.insert_typed(name, Arity::Exact(2), &[S, TIME], |_, a| {
            date_modify(a, true)
        });
    }
    f.insert_typed("toDate", Arity::Exact(2), &[S, S], |_, a| {
        Ok(time_value(
            to_date(str_arg(&a[0]), str_arg(&a[1])).unwrap_or_else(|_| GoTime {
                zone: Zone::Utc,
                ..GoTime::zero()
            }),
        ))
    });
    f.insert_typed("mustToDate", Arity::Exact(2), &[S, S], |_, a| {
        to_date(str_arg(&a[0]), str_arg(&a[1]))
            .map(time_value)
            .map_err(Into::into)
    });
    f.insert_typed("unixEpoch", Arity::Exact(1), &[TIME], |_, a| {
        Ok(Value::from(
            as_time(&a[0]).map_or(0, |t| t.secs).to_string(),
        ))
    });
    f.insert("duration", Arity::Exact(1), |_, a| {
        let n: i64 = match &a[0] {
            Value::String(s) => s.parse().unwrap_or(0),
            Value::Int(i, IntKind::Int64) => *i,
            _ => 0,
        };
        Ok(Value::from(duration_string(n.wrapping_mul(1_000_000_000))))
    });
    f.insert("durationRound", Arity::Exact(1), |_, a| {
        Ok(Value::from(duration_round(&a[0])))
    });
    f.insert("ago", Arity::Exact(1), |_, a| {
        let t = match &a[0] {
            Value::Int(i, IntKind::Int | IntKind::Int64) => GoTime::from_unix(*i),
            other => as_time(other).unwrap_or_else(GoTime::now),
        };
        let n = t.since_nanos();
        // Go's Duration.Round(time.Second): half away from zero, saturating
        let n = i128::from(n);
        let rounded = (n + n.signum() * 500_000_000) / 1_000_000_000 * 1_000_000_000;
        let rounded = rounded.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
        Ok(Value::from(duration_string(rounded)))
    });
}
