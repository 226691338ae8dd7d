//! Helm's `--set` family checked against Helm v4's own parsers (strvals
//! through helm_python): every expression parses to the same map (compared as
//! Go's JSON text, plus Go's number types) or fails with the same message.

use std::collections::BTreeMap;
use std::path::Path;

use helmd_chart::{parse_set, parse_set_file, parse_set_json, parse_set_literal, parse_set_string};
use helmd_oracle::strvals::{SetKind, helm_strvals_batch};
use helmd_yaml::{IntKind, Str, Value, to_json};

/// `--set` expressions: typing, escapes, lists, nesting and Helm's errors.
const SET: &[&str] = &[
    "a=1",
    "a=1,b=2",
    "a.b.c=1",
    "a=b,c=d",
    "name=value",
    "a=",
    "a=1,",
    "a",
    "a.b",
    "a.b,",
    "a.=1",
    ".a=1",
    "=1",
    "=",
    ",",
    ",a=1",
    "a=1,,b=2",
    "a=true",
    "a=TRUE",
    "a=tRuE",
    "a=False",
    "a=null",
    "a=NULL",
    "a=Null",
    "a=0",
    "a=00",
    "a=01",
    "a=-0",
    "a=+5",
    "a=-5",
    "a=-05",
    "a=+",
    "a=-",
    "a=1.5",
    "a=1e3",
    "a=0x10",
    "a=1_000",
    "a= 1",
    "a=1 ",
    "a=9223372036854775807",
    "a=9223372036854775808",
    "a=-9223372036854775808",
    "a=-9223372036854775809",
    "a=12345678901234567890123",
    "a=falſe",
    "a=ſ",
    "a=yes",
    "a=on",
    "a=~",
    "a={1,2}",
    "a={}",
    "a={,}",
    "a={1,2",
    "a={1,{2}",
    "a={a,b},c=d",
    "a={1,2}b=3",
    "a={true,null,x,0}",
    "a={",
    "a[0]=1",
    "a[1]=1",
    "a[0]=1,a[1]=2",
    "a[1]=2,a[0]=1",
    "a[0].b=1",
    "a[1].b=1",
    "a[0].b=1,a[0].c=2",
    "a[0][0]=1",
    "a[0][1]=x,a[0][0]=y",
    "a[0]=1,a[0][0]=2",
    "a[0]=1,a[0].b=2",
    "a=1,a[0]=2",
    "a=1,a.b=2",
    "a=null,a.b=2",
    "a=null,a[0]=1",
    "a[-1]=1",
    "a[x]=1",
    "a[]=1",
    "a[1.5]=1",
    "a[ 1]=1",
    "a[+1]=1",
    "a[99999999999999999999]=1",
    "a[65536]=z",
    "a[65537]=1",
    "a[0][65537]=1",
    "a[1]x=1",
    "a[1]xy=1",
    "a[1]",
    "a[1],",
    "a[",
    "a[1",
    "a[0].",
    "a[0][",
    "a[0][0]",
    "a[0]=1,a[0].",
    "a[0]=",
    "a[0]={1,2}",
    "a[0]={1",
    "a[0].b.c[1].d=e",
    "a.b[0].c=1,a.b[1].c=2",
    "a\\.b=1",
    "a=x\\,y",
    "a=x\\=y",
    "a=x\\",
    "a\\",
    "a\\=b=c",
    "a\\[0]=1",
    "a=\\{1,2}",
    "a=b\\\\c",
    "a=é,b=日本",
    "ключ=значение",
    "a=\t1",
    "a=x\"y",
    "a=1,a=2",
    "a.b=1,a.c=2",
    "a.b=1,a=2",
    "a=2,a.b=1",
    "a.b.c=1,a.b.d=2",
    "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.aa.bb.cc.dd.ee=1",
    "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.aa.bb.cc.dd.ee.ff=1",
    "x[0].a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.aa.bb.cc.dd.ee.ff=1",
    "a.b.c",
    "a..b=1",
    "a=b=c",
    "a==b",
    "a=,b=1",
    "a b=1",
    " a=1",
    "a=1 ,b=2",
    "image.tag=1.2.3,replicas=3",
    "nodeSelector.kubernetes\\.io/os=linux",
    "env[0].name=A,env[0].value=1",
    "a=\u{7}",
    "a\u{1}=1",
    "a.\u{7f}",
    "a[1]\u{85}=1",
];

/// `--set-string`, `--set-literal`: the same grammar without typing, and the verbatim tail.
const STRING: &[&str] = &[
    "a=1",
    "a=null",
    "a=true",
    "a={1,true}",
    "a[0]=007",
    "a.b=1.0",
    "a=",
    "a",
    "a=x\\,y",
    "a=1,a.b=2",
];
const LITERAL: &[&str] = &[
    "a=b,c=d",
    "a[0].b=x,y",
    "a",
    "a=1,a.b=2",
    "a.b=c=d",
    "a\\b=c",
    "a=",
    "=x",
    "a.=1",
    "a[0]=x",
    "a[1][0]=x,y",
    "a[x]=1",
    "a[-1]=1",
    "a[0]y=1",
    "a.b.c=",
    "x=\\,{1,2}",
    "a[",
    "a[0]",
    "a.b[0].c=1",
    "a.b",
];

/// `--set-json` in its `key=json` form.
const JSON: &[&str] = &[
    "a=1",
    "a=1.5",
    "a=1e3",
    "a=1e21",
    "a=-0",
    "a=\"x\"",
    "a=[1,2]",
    "a={\"b\":{\"c\":[true,null]}}",
    "a=",
    "a=,b=1",
    "a= 1",
    "a=1 b=2",
    "a=1b",
    "a=1,b=2",
    "a=tru",
    "a=[1,",
    "a=1.,b=2",
    "a=\"x",
    "a=x",
    "a=1e999",
    "a=\u{1}",
    "a=é",
    "a=nul",
    "a=falsy",
    "a=[1 2]",
    "a={\"b\" 1}",
    "a={1:2}",
    "a={\"b\":1,}",
    "a=\"\\q\"",
    "a=\"\\u12g4\"",
    "a=\"\\ud83d\\ude00\"",
    "a=-",
    "a=-x",
    "a=01",
    "a=1e",
    "a=1e+",
    "a=.5",
    "a.b=1,a=2",
    "a[0]=1,a[1]={}",
    "a[0]=",
    "a[2]=\"x\"",
    "a=\"<&>\"",
    "a=[]",
    "a={}",
    "a=null",
    "a=true,b=false",
    "a=\"x,y\",b=2",
    "{\"a\":1}",
    "a={\"x\":1}b=2",
    "a=\"x\"\"y\"",
    "a=1\tb=2",
    "a=[[[[1]]]]",
    "a=\"\t\"",
];

fn ours(kind: SetKind, expr: &str) -> Result<BTreeMap<Str, Value>, String> {
    let parsed = match kind {
        SetKind::Set => parse_set(expr),
        SetKind::String => parse_set_string(expr),
        SetKind::Json => parse_set_json(expr),
        SetKind::Literal => parse_set_literal(expr),
        SetKind::File => parse_set_file(expr, &mut |path: &str| read_like_go(path)),
    };
    parsed.map_err(|e| e.to_string())
}

/// `os.ReadFile` with Go's error texts for the cases the test uses.
fn read_like_go(path: &str) -> Result<String, String> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(format!("open {path}: no such file or directory"))
        }
        Err(e) if e.kind() == std::io::ErrorKind::IsADirectory => {
            Err(format!("read {path}: is a directory"))
        }
        Err(e) => Err(format!("open {path}: {e}")),
    }
}

/// Every number must have the Go type Helm gives it: int64 from `--set`, float64 from JSON.
fn number_types_ok(v: &Value, kind: SetKind) -> bool {
    match v {
        Value::Int(_, IntKind::Int64) => kind == SetKind::Set || kind == SetKind::File,
        Value::Float(_) => kind == SetKind::Json,
        Value::Int(..) | Value::Uint(..) => false,
        Value::List(l) => l.items.iter().all(|i| number_types_ok(i, kind)),
        Value::Map(m) => m.read().values().all(|i| number_types_ok(i, kind)),
        _ => true,
    }
}

fn check(requests: &[(SetKind, String)]) {
    let helm = helm_strvals_batch(requests).expect("the strvals oracle runs");
    let mut failures = Vec::new();
    for ((kind, expr), helm) in requests.iter().zip(helm) {
        let got = ours(*kind, expr).map(|m| {
            let v = Value::map(m);
            assert!(
                number_types_ok(&v, *kind),
                "{kind:?} {expr:?}: Go types: {v:?}"
            );
            to_json(&v).expect("json")
        });
        if got != helm {
            failures.push(format!(
                "{kind:?} {expr:?}\n  helm: {helm:?}\n  ours: {got:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} expressions differ from Helm:\n{}",
        failures.len(),
        requests.len(),
        failures.join("\n")
    );
}

#[test]
fn set_expressions_parse_like_helm_v4() {
    let mut requests: Vec<(SetKind, String)> = Vec::new();
    requests.extend(SET.iter().map(|e| (SetKind::Set, e.to_string())));
    requests.extend(STRING.iter().map(|e| (SetKind::String, e.to_string())));
    requests.extend(LITERAL.iter().map(|e| (SetKind::Literal, e.to_string())));
    requests.extend(JSON.iter().map(|e| (SetKind::Json, e.to_string())));
    assert!(requests.len() >= 150, "{} expressions", requests.len());
    check(&requests);
}

#[test]
fn set_file_reads_each_named_file_like_helm_v4() {
    let dir = tempfile::tempdir().expect("dir");
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        path.to_str().expect("utf-8").to_owned()
    };
    let a = write("a.txt", "first line\nsecond: 2\n");
    let b = write("b.txt", "1");
    let missing = dir.path().join("missing.txt");
    let missing = missing.to_str().expect("utf-8");
    let folder = dir.path().to_str().expect("utf-8");
    let exprs = [
        format!("a={a}"),
        format!("a={a},b={b}"),
        format!("list={{{a},{b}}}"),
        format!("x.y[1]={b}"),
        format!("a={missing}"),
        format!("a={{{b},{missing}}}"),
        format!("a={folder}"),
        "a=".to_string(),
        "a".to_string(),
    ];
    let requests: Vec<(SetKind, String)> = exprs.into_iter().map(|e| (SetKind::File, e)).collect();
    check(&requests);
    assert!(Path::new(&a).exists());
}
