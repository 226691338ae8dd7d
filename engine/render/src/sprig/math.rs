//! Sprig's math: integer functions through cast's `ToInt64` (int64 results),
//! float functions through shopspring/decimal (exact sums and products,
//! quotients rounded to 16 decimals) back to float64.

use helmd_gotmpl::{ArgType, Arity, FuncError, FuncMap, FuncResult};
use helmd_yaml::{IntKind, Value};

use super::cast::{to_f64, to_i64};
use super::int_arg;

fn int64(i: i64) -> FuncResult {
    Ok(Value::Int(i, IntKind::Int64))
}

const DIV_ZERO: &str = "runtime error: integer divide by zero";

pub(crate) fn register(f: &mut FuncMap) {
    f.insert("add1", Arity::Exact(1), |_, a| {
        int64(to_i64(&a[0]).wrapping_add(1))
    });
    f.insert("add", Arity::AtLeast(0), |_, a| {
        int64(a.iter().fold(0i64, |s, v| s.wrapping_add(to_i64(v))))
    });
    f.insert("sub", Arity::Exact(2), |_, a| {
        int64(to_i64(&a[0]).wrapping_sub(to_i64(&a[1])))
    });
    f.insert("div", Arity::Exact(2), |_, a| {
        let d = to_i64(&a[1]);
        if d == 0 {
            return Err(DIV_ZERO.into());
        }
        int64(to_i64(&a[0]).wrapping_div(d))
    });
    f.insert("mod", Arity::Exact(2), |_, a| {
        let d = to_i64(&a[1]);
        if d == 0 {
            return Err(DIV_ZERO.into());
        }
        int64(to_i64(&a[0]).wrapping_rem(d))
    });
    f.insert("mul", Arity::AtLeast(1), |_, a| {
        int64(a.iter().fold(1i64, |s, v| s.wrapping_mul(to_i64(v))))
    });
    for name in ["max", "biggest"] {
        f.insert(name, Arity::AtLeast(1), |_, a| {
            int64(a.iter().map(to_i64).fold(to_i64(&a[0]), i64::max))
        });
    }
    f.insert("min", Arity::AtLeast(1), |_, a| {
        int64(a.iter().map(to_i64).fold(to_i64(&a[0]), i64::min))
    });
    f.insert("maxf", Arity::AtLeast(1), |_, a| {
        Ok(Value::Float(
            a[1..].iter().map(to_f64).fold(to_f64(&a[0]), go_max),
        ))
    });
    f.insert("minf", Arity::AtLeast(1), |_, a| {
        Ok(Value::Float(
            a[1..].iter().map(to_f64).fold(to_f64(&a[0]), go_min),
        ))
    });
    f.insert("floor", Arity::Exact(1), |_, a| {
        Ok(Value::Float(to_f64(&a[0]).floor()))
    });
    f.insert("ceil", Arity::Exact(1), |_, a| {
        Ok(Value::Float(to_f64(&a[0]).ceil()))
    });
    f.insert_variadic(
        "round",
        Arity::AtLeast(2),
        &[ArgType::Any, ArgType::Int],
        ArgType::Float64,
        |_, a| {
            let on = a.get(2).map(to_f64).unwrap_or(0.5);
            Ok(Value::Float(round(to_f64(&a[0]), int_arg(&a[1]), on)))
        },
    );
    f.insert("add1f", Arity::Exact(1), |_, a| {
        decimal_op(&a[0], &[Value::int(1)], Op::Add)
    });
    f.insert("addf", Arity::AtLeast(0), |_, a| {
        decimal_op(&Value::Float(0.0), a, Op::Add)
    });
    f.insert("subf", Arity::AtLeast(1), |_, a| {
        decimal_op(&a[0], &a[1..], Op::Sub)
    });
    f.insert("mulf", Arity::AtLeast(1), |_, a| {
        decimal_op(&a[0], &a[1..], Op::Mul)
    });
    f.insert("divf", Arity::AtLeast(1), |_, a| {
        decimal_op(&a[0], &a[1..], Op::Div)
    });
}

fn go_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

fn go_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

/// Sprig's `round`: the fraction of `val·10^places` decides up or down.
fn round(val: f64, places: i64, on: f64) -> f64 {
    let pow = 10f64.powf(places as f64);
    let digit = pow * val;
    let frac = digit - digit.trunc();
    let r = if frac >= on {
        digit.ceil()
    } else {
        digit.floor()
    };
    r / pow
}

#[derive(Clone, Copy)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

/// A decimal `mant · 10^exp`.
#[derive(Clone, Copy, Debug)]
struct Dec {
    mant: i128,
    exp: i32,
}

const DIV_PRECISION: i32 = 16;

impl Dec {
    /// shopspring's `NewFromFloat`: the shortest decimal that reads back as `f`.
    fn from_f64(f: f64) -> Option<Dec> {
        if !f.is_finite() {
            return None;
        }
        let text = format!("{f:e}");
        let (m, e) = text.split_once('e')?;
        let e: i32 = e.parse().ok()?;
        let (int, frac) = m.split_once('.').unwrap_or((m, ""));
        let digits = format!("{int}{frac}");
        let mant: i128 = digits.parse().ok()?;
        Some(Dec {
            mant,
            exp: e - frac.len() as i32,
        })
    }

    fn to_f64(self) -> f64 {
        format!("{}e{}", self.mant, self.exp)
            .parse()
            .unwrap_or(f64::NAN)
    }

    fn scale_to(self, exp: i32) -> Option<i128> {
        let shift = u32::try_from(self.exp - exp).ok()?;
        self.mant.checked_mul(10i128.checked_pow(shift)?)
    }

    fn apply(self, op: Op, o: Dec) -> Option<Dec> {
        match op {
            Op::Add | Op::Sub => {
                let exp = self.exp.min(o.exp);
                let (a, b) = (self.scale_to(exp)?, o.scale_to(exp)?);
                let mant = match op {
                    Op::Add => a.checked_add(b)?,
                    _ => a.checked_sub(b)?,
                };
                Some(Dec { mant, exp })
            }
            Op::Mul => Some(Dec {
                mant: self.mant.checked_mul(o.mant)?,
                exp: self.exp + o.exp,
            }),
            Op::Div => {
                // round(self/o · 10^16) half away from zero, at exponent -16
                let k = self.exp - o.exp + DIV_PRECISION;
                let (num, den) = if k >= 0 {
                    (
                        self.mant.checked_mul(10i128.checked_pow(k as u32)?)?,
                        o.mant,
                    )
                } else {
                    (
                        self.mant,
                        o.mant.checked_mul(10i128.checked_pow((-k) as u32)?)?,
                    )
                };
                let q = num / den;
                let r = num % den;
                let q = if r.checked_mul(2)?.abs() >= den.abs() {
                    if (num < 0) != (den < 0) { q - 1 } else { q + 1 }
                } else {
                    q
                };
                Some(Dec {
                    mant: q,
                    exp: -DIV_PRECISION,
                })
            }
        }
    }
}

fn float_op(op: Op, a: f64, b: f64) -> f64 {
    match op {
        Op::Add => a + b,
        Op::Sub => a - b,
        Op::Mul => a * b,
        Op::Div => a / b,
    }
}

/// shopspring's `NewFromFloat` panics for infinities and NaN (Sprig's
/// float functions fail with its text).
fn finite(f: f64) -> Result<f64, FuncError> {
    if f.is_finite() {
        return Ok(f);
    }
    Err(FuncError::Message(format!(
        "Cannot create a Decimal from {}",
        helmd_yaml::number::format_float(f, 'g', -1)
    )))
}

/// Sprig's `execDecimalOp`.
fn decimal_op(first: &Value, rest: &[Value], op: Op) -> FuncResult {
    let mut acc_f = finite(to_f64(first))?;
    let mut acc = Dec::from_f64(acc_f);
    for v in rest {
        let x = finite(to_f64(v))?;
        if matches!(op, Op::Div) && x == 0.0 {
            return Err(FuncError::Message("decimal division by 0".into()));
        }
        acc = match (acc, Dec::from_f64(x)) {
            (Some(a), Some(b)) => a.apply(op, b),
            _ => None,
        };
        acc_f = match acc {
            Some(d) => d.to_f64(),
            None => float_op(op, acc_f, x),
        };
    }
    Ok(Value::Float(acc.map(Dec::to_f64).unwrap_or(acc_f)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(op: Op, a: f64, b: f64) -> f64 {
        match decimal_op(&Value::Float(a), &[Value::Float(b)], op) {
            Ok(Value::Float(x)) => x,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn decimal_math_is_exact_where_floats_are_not() {
        assert_eq!(f(Op::Add, 0.1, 0.2), 0.3);
        assert_eq!(f(Op::Sub, 1.0, 0.9), 0.1);
        assert_eq!(f(Op::Mul, 1.1, 1.1), 1.21);
        assert_eq!(f(Op::Div, 1.0, 3.0), 0.333_333_333_333_333_3);
        assert_eq!(f(Op::Div, 2.0, 3.0), 0.666_666_666_666_666_7);
    }
}
