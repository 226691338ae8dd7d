//! Sprig's random functions: randAlphaNum, randAlpha, randNumeric, randAscii,
//! randBytes, randInt, uuidv4 and shuffle (all from the OS's random source).

use base64::Engine as _;
use helmd_gotmpl::{ArgType, Arity, FuncError, FuncMap, FuncResult};
use helmd_yaml::Value;

/// Longest random string or byte count helmd produces (Go has no limit but
/// memory; helmd fails instead of exhausting it).
const MAX_RANDOM_LEN: i64 = 64 << 20;

/// Which ASCII characters a random string may hold.
type CharClass = fn(u8) -> bool;

pub(crate) fn register(f: &mut FuncMap) {
    let classes: [(&str, CharClass); 4] = [
        ("randAlphaNum", |b| b.is_ascii_alphanumeric()),
        ("randAlpha", |b| b.is_ascii_alphabetic()),
        ("randNumeric", |b| b.is_ascii_digit()),
        ("randAscii", |b| (32..127).contains(&b)),
    ];
    for (name, class) in classes {
        f.insert_typed(name, Arity::Exact(1), &[ArgType::Int], move |_, a| {
            Ok(Value::from(random_string(int_arg(&a[0]), class)?))
        });
    }
    f.insert_typed("randBytes", Arity::Exact(1), &[ArgType::Int], |_, a| {
        let n = int_arg(&a[0]);
        if n < 0 {
            return Err("runtime error: makeslice: len out of range".into());
        }
        let bytes = random_bytes(checked_len(n)?)?;
        Ok(Value::from(
            base64::engine::general_purpose::STANDARD.encode(bytes),
        ))
    });
    f.insert_typed(
        "randInt",
        Arity::Exact(2),
        &[ArgType::Int, ArgType::Int],
        |_, a| rand_int(int_arg(&a[0]), int_arg(&a[1])),
    );
    f.insert("uuidv4", Arity::Exact(0), |_, _| {
        Ok(Value::from(uuid::Uuid::new_v4().to_string()))
    });
    f.insert_typed("shuffle", Arity::Exact(1), &[ArgType::String], |_, a| {
        Ok(Value::from(shuffle(a[0].as_str().unwrap_or_default())?))
    });
}

fn int_arg(v: &Value) -> i64 {
    match v {
        Value::Int(i, _) => *i,
        _ => 0,
    }
}

fn checked_len(n: i64) -> Result<usize, FuncError> {
    if n > MAX_RANDOM_LEN {
        return Err(FuncError::Limit(format!(
            "random length {n} exceeds helmd's limit of {MAX_RANDOM_LEN}"
        )));
    }
    Ok(usize::try_from(n).unwrap_or(0))
}

fn random_bytes(n: usize) -> Result<Vec<u8>, FuncError> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|e| FuncError::Message(e.to_string()))?;
    Ok(buf)
}

/// A uniform random number below `bound` (> 0), by rejection sampling.
fn below(bound: u64) -> Result<u64, FuncError> {
    let zone = u64::MAX - (u64::MAX % bound);
    loop {
        let v = getrandom::u64().map_err(|e| FuncError::Message(e.to_string()))?;
        if v < zone {
            return Ok(v % bound);
        }
    }
}

/// `count` characters drawn uniformly from the ASCII characters `class`
/// accepts; a negative count gives "" (Sprig drops the error).
fn random_string(count: i64, class: CharClass) -> Result<String, FuncError> {
    if count <= 0 {
        return Ok(String::new());
    }
    let alphabet: Vec<u8> = (0u8..128).filter(|b| class(*b)).collect();
    let n = checked_len(count)?;
    let mut out = String::with_capacity(n);
    for _ in 0..n {
        let i = below(alphabet.len() as u64)? as usize;
        out.push(char::from(alphabet[i]));
    }
    Ok(out)
}

/// Go's `rand.Intn(max-min) + min`.
fn rand_int(min: i64, max: i64) -> FuncResult {
    let span = max.wrapping_sub(min);
    if span <= 0 {
        return Err("invalid argument to Intn".into());
    }
    let r = below(span as u64)? as i64;
    Ok(Value::int(r.wrapping_add(min)))
}

/// The characters (runes) of `s` in random order (Fisher–Yates).
fn shuffle(s: &str) -> Result<String, FuncError> {
    let mut chars: Vec<char> = s.chars().collect();
    for i in (1..chars.len()).rev() {
        let j = below(i as u64 + 1)? as usize;
        chars.swap(i, j);
    }
    Ok(chars.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALPHA: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const DIGITS: &[u8] = b"0123456789";

    #[test]
    fn random_strings_have_the_asked_length_and_alphabet() {
        let s = random_string(200, |b| b.is_ascii_alphanumeric()).expect("string");
        assert_eq!(s.len(), 200);
        assert!(s.bytes().all(|b| ALPHA.contains(&b) || DIGITS.contains(&b)));
        let s = random_string(200, |b| (32..127).contains(&b)).expect("string");
        assert!(s.bytes().all(|b| (32..127).contains(&b)));
        assert_eq!(
            random_string(-3, |b| b.is_ascii_digit()).expect("string"),
            ""
        );
    }

    #[test]
    fn every_character_of_an_alphabet_eventually_appears() {
        let s = random_string(5000, |b| b.is_ascii_alphabetic()).expect("string");
        assert!(ALPHA.iter().all(|c| s.as_bytes().contains(c)));
    }

    #[test]
    fn rand_int_stays_in_its_half_open_range() {
        for _ in 0..500 {
            let Value::Int(v, _) = rand_int(-5, -1).expect("int") else {
                panic!("not an int")
            };
            assert!((-5..-1).contains(&v));
        }
        assert_eq!(
            rand_int(3, 3).err().map(|e| e.to_string()).as_deref(),
            Some("invalid argument to Intn")
        );
    }

    #[test]
    fn shuffle_keeps_every_character() {
        let s = shuffle("héllo wörld").expect("shuffle");
        let mut a: Vec<char> = s.chars().collect();
        let mut b: Vec<char> = "héllo wörld".chars().collect();
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b);
    }
}
