//! Go's float formatting (strconv.FormatFloat 'e' 'f' 'g', encoding/json) built
//! on Rust's correctly rounded shortest and fixed-precision digit generation.

/// Decimal digits of a finite non-negative float: value = 0.d1d2d3... × 10^dp.
struct Digits {
    digits: Vec<u8>,
    dp: i32,
}

/// Parses Rust's `{:e}` output ("1.2345e-7") into digits and decimal point.
fn digits_from_exp(s: &str) -> Digits {
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut digits: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    if digits == [b'0'] {
        return Digits {
            digits: Vec::new(),
            dp: 0,
        };
    }
    Digits {
        digits,
        dp: exp + 1,
    }
}

/// Shortest digits that round-trip.
fn shortest(abs: f64) -> Digits {
    digits_from_exp(&format!("{abs:e}"))
}

/// Digits rounded to `n` significant digits (n >= 1).
fn significant(abs: f64, n: usize) -> Digits {
    // An f64's exact decimal form has at most 767 significant digits: asking
    // for more only adds zeros (which Digits drops; the printers pad them).
    digits_from_exp(&format!("{:.*e}", n.clamp(1, EXACT_DIGITS) - 1, abs))
}

/// More decimal digits than any f64's exact expansion has (767 significant,
/// 1074 after the point), below the formatter's precision limit (65535).
const EXACT_DIGITS: usize = 1100;

/// Appends the decimal digits of `n` (what `n.to_string()` gives, without
/// the formatting machinery).
pub fn push_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&buf[i..]).unwrap_or_default());
}

/// Appends the decimal form of `n`, with `-` when negative.
pub fn push_i64(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    push_u64(out, n.unsigned_abs());
}

/// Formats like Go's `strconv.FormatFloat(f, fmt, prec, 64)` for
/// fmt in `e E f g G`; `prec < 0` means the shortest representation.
pub fn format_float(f: f64, fmt: char, prec: i32) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let neg = f.is_sign_negative();
    let abs = f.abs();
    // Whole numbers print as integers in %v/%g below 1e6 and in shortest %f
    // below 2^53 (every digit exact): skip the shortest-digits search.
    let whole_limit = match fmt {
        _ if prec >= 0 => 0.0,
        'e' | 'E' => 0.0,
        'f' => 9_007_199_254_740_992.0,
        _ => 1e6,
    };
    if abs >= 1.0 && abs < whole_limit && abs.fract() == 0.0 {
        let mut out = String::with_capacity(20);
        if neg {
            out.push('-');
        }
        push_u64(&mut out, abs as u64);
        return out;
    }
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    let shortest_mode = prec < 0;
    match fmt {
        'e' | 'E' => {
            let (d, p) = if shortest_mode {
                let d = shortest(abs);
                let p = d.digits.len().max(1) as i32 - 1;
                (d, p)
            } else {
                (significant(abs, prec as usize + 1), prec)
            };
            fmt_e(&mut out, &d, p, fmt);
        }
        'f' => {
            if shortest_mode {
                let d = shortest(abs);
                let p = (d.digits.len() as i32 - d.dp).max(0);
                fmt_f(&mut out, &d, p);
            } else {
                let prec = prec as usize;
                let s = format!("{:.*}", prec.min(EXACT_DIGITS), abs);
                out.push_str(&s);
                // past the exact expansion every digit is 0
                out.extend(std::iter::repeat_n('0', prec.saturating_sub(EXACT_DIGITS)));
            }
        }
        _ => fmt_g(&mut out, abs, prec, fmt),
    }
    out
}

fn fmt_g(out: &mut String, abs: f64, prec: i32, fmt: char) {
    let shortest_mode = prec < 0;
    let (d, mut prec) = if shortest_mode {
        let d = shortest(abs);
        let n = d.digits.len() as i32;
        (d, n)
    } else {
        let p = if prec == 0 { 1 } else { prec };
        (significant(abs, p as usize), p)
    };
    let nd = d.digits.len() as i32;
    let mut eprec = prec;
    if eprec > nd && nd >= d.dp {
        eprec = nd;
    }
    if shortest_mode {
        eprec = 6;
    }
    let exp = d.dp - 1;
    if abs != 0.0 && (exp < -4 || exp >= eprec) {
        if prec > nd {
            prec = nd;
        }
        let e = if fmt == 'G' { 'E' } else { 'e' };
        fmt_e(out, &d, (prec - 1).max(0), e);
        return;
    }
    if prec > d.dp {
        prec = nd;
    }
    fmt_f(out, &d, (prec - d.dp).max(0));
}

/// Go's fmtE: d.ddde±dd with `prec` digits after the point.
fn fmt_e(out: &mut String, d: &Digits, prec: i32, e: char) {
    let digit = |i: usize| d.digits.get(i).map(|b| *b as char).unwrap_or('0');
    out.push(digit(0));
    if prec > 0 {
        out.push('.');
        for i in 1..=prec as usize {
            out.push(digit(i));
        }
    }
    out.push(e);
    let exp = if d.digits.is_empty() { 0 } else { d.dp - 1 };
    out.push(if exp < 0 { '-' } else { '+' });
    let exp = exp.unsigned_abs();
    if exp < 10 {
        out.push('0');
    }
    out.push_str(&exp.to_string());
}

/// Go's fmtF: integer part, then `prec` fraction digits.
fn fmt_f(out: &mut String, d: &Digits, prec: i32) {
    let digit = |i: i32| {
        if i < 0 {
            '0'
        } else {
            d.digits.get(i as usize).map(|b| *b as char).unwrap_or('0')
        }
    };
    if d.dp > 0 {
        for i in 0..d.dp {
            out.push(digit(i));
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 0..prec {
            out.push(digit(d.dp + i));
        }
    }
}

/// Go's encoding/json float64 formatting.
pub fn format_json_float(f: f64) -> String {
    let abs = f.abs();
    let exp_form = abs != 0.0 && !(1e-6..1e21).contains(&abs);
    if !exp_form {
        return format_float(f, 'f', -1);
    }
    let mut s = format_float(f, 'e', -1);
    let n = s.len();
    if n >= 4
        && s.as_bytes()[n - 4] == b'e'
        && s.as_bytes()[n - 3] == b'-'
        && s.as_bytes()[n - 2] == b'0'
    {
        s.remove(n - 2);
    }
    s
}

/// How go-yaml v2 writes a float64 (after the JSON round trip of toYaml):
/// integral values that fit int64/uint64 print as integers, the rest as %g.
pub fn format_yaml_float(f: f64) -> String {
    let json = format_json_float(f);
    if !json.contains(['.', 'e']) {
        if let Ok(i) = json.parse::<i64>() {
            return i.to_string();
        }
        if json.parse::<u64>().is_ok() {
            return json;
        }
    }
    match format_float(f, 'g', -1).as_str() {
        "+Inf" => ".inf".into(),
        "-Inf" => "-.inf".into(),
        "NaN" => ".nan".into(),
        s => s.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(f: f64, fmt: char, prec: i32, want: &str) {
        assert_eq!(format_float(f, fmt, prec), want, "{f} {fmt} {prec}");
    }

    #[test]
    fn go_strconv_forms_match() {
        check(1e6, 'g', -1, "1e+06");
        check(100000.0, 'g', -1, "100000");
        check(1.5, 'g', -1, "1.5");
        check(0.0001, 'g', -1, "0.0001");
        check(0.00001, 'g', -1, "1e-05");
        check(1.2345678901234567e19, 'g', -1, "1.2345678901234567e+19");
        check(0.0, 'g', -1, "0");
        check(-0.0, 'g', -1, "-0");
        check(3.0, 'e', 6, "3.000000e+00");
        check(1234.5678, 'f', 2, "1234.57");
        check(1234.5678, 'g', 3, "1.23e+03");
        check(100.0, 'g', 3, "100");
        check(1.0, 'f', -1, "1");
        check(0.1, 'f', -1, "0.1");
        check(1e21, 'e', -1, "1e+21");
        check(123456.0, 'g', 4, "1.235e+05");
    }

    #[test]
    fn decimal_digits_match_to_string() {
        for n in [0, 1, 9, 10, 99, 100, 12345, i64::MAX, i64::MIN, -1, -10] {
            let mut s = String::new();
            push_i64(&mut s, n);
            assert_eq!(s, n.to_string());
        }
        let mut s = String::new();
        push_u64(&mut s, u64::MAX);
        assert_eq!(s, u64::MAX.to_string());
    }

    #[test]
    fn whole_numbers_take_the_fast_path_with_the_same_text() {
        check(999_999.0, 'g', -1, "999999");
        check(-8080.0, 'g', -1, "-8080");
        check(9_007_199_254_740_991.0, 'f', -1, "9007199254740991");
        let mut n = 1.0_f64;
        while n < 1e16 {
            for x in [n, n + 1.0, n * 7.0, -n] {
                let abs = x.abs();
                let sign = if x < 0.0 { "-" } else { "" };
                let mut g = String::from(sign);
                fmt_g(&mut g, abs, -1, 'g');
                assert_eq!(format_float(x, 'g', -1), g, "{x} g");
                let mut f = String::from(sign);
                fmt_f(&mut f, &shortest(abs), 0);
                assert_eq!(format_float(x, 'f', -1), f, "{x} f");
            }
            n *= 3.0;
        }
    }

    #[test]
    fn json_and_yaml_float_forms_match_go() {
        assert_eq!(format_json_float(1e20), "100000000000000000000");
        assert_eq!(format_json_float(1e21), "1e+21");
        assert_eq!(format_json_float(1e-7), "1e-7");
        assert_eq!(format_json_float(0.000001), "0.000001");
        assert_eq!(format_yaml_float(1e20), "1e+20");
        assert_eq!(format_yaml_float(1e6), "1000000");
        assert_eq!(format_yaml_float(-0.0), "0");
        assert_eq!(format_yaml_float(0.000001), "1e-06");
        assert_eq!(
            format_yaml_float(1.2345678901234567e19),
            "12345678901234567000"
        );
    }
}
