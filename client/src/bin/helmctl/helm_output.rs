//! How Helm's release commands print: `-o table|json|yaml`, gosuri/uitable's tables,
//! Go's time layouts (in the local time zone, as Helm prints times it wrote) and
//! Go's encoding/json escaping.

use clap::ValueEnum;
use helmd_yaml::Value;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;
use unicode_width::UnicodeWidthStr;

/// Helm's `--output` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable text (Helm's `table`).
    Table,
    /// JSON, one document.
    Json,
    /// YAML.
    Yaml,
}

/// A gosuri/uitable table as Helm builds it: cells padded to their column's width,
/// columns separated by a tab, the last column padded too.
#[derive(Debug, Default)]
pub struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    /// Adds a row of cells.
    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    /// The table as Helm's `EncodeTable` writes it (the text and a newline).
    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = Vec::new();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                let width = cell
                    .split('\n')
                    .map(UnicodeWidthStr::width)
                    .max()
                    .unwrap_or(0);
                if i >= widths.len() {
                    widths.push(0);
                }
                widths[i] = widths[i].max(width);
            }
        }
        let mut lines = Vec::new();
        for row in &self.rows {
            let cells: Vec<Vec<&str>> = row.iter().map(|c| c.split('\n').collect()).collect();
            let height = cells.iter().map(Vec::len).max().unwrap_or(0);
            for line in 0..height {
                let parts: Vec<String> = cells
                    .iter()
                    .enumerate()
                    .map(|(i, lines)| match lines.get(line) {
                        Some(text) => pad(text, widths[i]),
                        // uitable pads a cell with no line here one space wider.
                        None => " ".repeat(widths[i] + 1),
                    })
                    .collect();
                lines.push(parts.join("\t"));
            }
        }
        let mut out = lines.join("\n");
        out.push('\n');
        out
    }
}

fn pad(text: &str, width: usize) -> String {
    let have = UnicodeWidthStr::width(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(have)))
}

/// The local time zone, as Go's `time.Local` finds it (`TZ`, then /etc/localtime).
fn local() -> TimeZone {
    TimeZone::try_system().unwrap_or(TimeZone::UTC)
}

/// An instant in the local zone; `None` for Go's zero time.
fn zoned(time: Option<&prost_types::Timestamp>) -> Option<jiff::Zoned> {
    let t = time?;
    let ts = Timestamp::new(t.seconds, t.nanos).ok()?;
    Some(ts.to_zoned(local()))
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Go's `.999999999` fraction: trailing zeros dropped, nothing for whole seconds.
fn fraction(nanos: i32) -> String {
    if nanos == 0 {
        return String::new();
    }
    let digits = format!(".{nanos:09}");
    digits.trim_end_matches('0').to_owned()
}

/// Go's `-0700` (`colon` false) or `-07:00` offset.
fn offset(z: &jiff::Zoned, colon: bool) -> String {
    let seconds = z.offset().seconds();
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    let sep = if colon { ":" } else { "" };
    format!("{sign}{:02}{sep}{:02}", minutes / 60, minutes % 60)
}

fn date_time(z: &jiff::Zoned, sep: char) -> String {
    format!(
        "{:04}-{:02}-{:02}{sep}{:02}:{:02}:{:02}",
        z.year(),
        z.month(),
        z.day(),
        z.hour(),
        z.minute(),
        z.second()
    )
}

/// Go's `Time.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`; `-` when absent
/// (what `helm list` prints for a release without a deploy time).
pub fn go_string(time: Option<&prost_types::Timestamp>) -> String {
    let Some(z) = zoned(time) else {
        return "-".to_owned();
    };
    let info = z.time_zone().to_offset_info(z.timestamp());
    let abbreviation = match info.abbreviation() {
        "" => offset(&z, false),
        name => name.to_owned(),
    };
    format!(
        "{}{} {} {abbreviation}",
        date_time(&z, ' '),
        fraction(z.subsec_nanosecond()),
        offset(&z, false)
    )
}

/// Go's `time.ANSIC` (`Mon Jan _2 15:04:05 2006`); Go's zero time when absent.
pub fn ansic(time: Option<&prost_types::Timestamp>) -> String {
    let Some(z) = zoned(time) else {
        return "Mon Jan  1 00:00:00 0001".to_owned();
    };
    let weekday = WEEKDAYS[usize::from(z.weekday().to_monday_zero_offset().unsigned_abs())];
    let month = MONTHS[usize::from(z.month().unsigned_abs()) - 1];
    format!(
        "{weekday} {month} {:>2} {:02}:{:02}:{:02} {:04}",
        z.day(),
        z.hour(),
        z.minute(),
        z.second(),
        z.year()
    )
}

/// Go's `time.RFC3339Nano`, as encoding/json writes a `time.Time`.
pub fn rfc3339_nano(time: &prost_types::Timestamp) -> Option<String> {
    let z = zoned(Some(time))?;
    let zone = if z.offset().seconds() == 0 {
        "Z".to_owned()
    } else {
        offset(&z, true)
    };
    Some(format!(
        "{}{}{zone}",
        date_time(&z, 'T'),
        fraction(z.subsec_nanosecond())
    ))
}

/// `value` as Go's `json.NewEncoder(out).Encode` writes it: compact, HTML characters
/// and the line separators escaped, a newline at the end. Struct fields keep their
/// declaration order, as Go's do.
pub fn go_json<T: Serialize>(value: &T) -> anyhow::Result<String> {
    let text = serde_json::to_string(value)?;
    let mut out = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('\n');
    Ok(out)
}

/// JSON text as sigs.k8s.io/yaml's `Marshal` prints the same data (keys sorted).
pub fn json_to_yaml(json: &str) -> anyhow::Result<String> {
    let value = helmd_yaml::parse_json(json)?;
    yaml(&value)
}

/// A value as sigs.k8s.io/yaml prints it, with the final newline.
pub fn yaml(value: &Value) -> anyhow::Result<String> {
    let mut text = helmd_yaml::to_yaml(value)?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_pad_every_column_like_uitable() {
        let mut t = Table::default();
        t.row(["NAME", "REVISION", "APP VERSION"]);
        t.row(["web", "12", "1.0"]);
        t.row(["db", "3\nx", ""]);
        assert_eq!(
            t.render(),
            "NAME\tREVISION\tAPP VERSION\n\
             web \t12      \t1.0        \n\
             db  \t3       \t           \n\
             \x20    \tx       \t            \n"
        );
        assert_eq!(Table::default().render(), "\n");
    }

    #[test]
    fn go_json_escapes_html_like_go() {
        assert_eq!(
            go_json(&["a<b>&c\u{2028}"]).expect("json"),
            "[\"a\\u003cb\\u003e\\u0026c\\u2028\"]\n"
        );
    }

    #[test]
    fn fractions_drop_trailing_zeros() {
        assert_eq!(fraction(0), "");
        assert_eq!(fraction(120_000_000), ".12");
        assert_eq!(fraction(1), ".000000001");
    }
}
