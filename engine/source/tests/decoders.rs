//! Property tests of what sources decode from the network, in the normal suite (the
//! cargo-fuzz targets in `fuzz/` explore further): generated index.yaml documents with
//! nested aliases and mutated registry responses never panic, alias expansion past the
//! limit is always refused, and every error quotes only a short excerpt.

use helmd_source::oci::responses;
use helmd_source::repo::index::IndexFile;

/// A small deterministic generator (xorshift), so failures reproduce.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// An index whose anchors each refer to the previous one `fanout` times, `levels` deep:
/// it expands to about `fanout^levels` entries.
fn nested_bomb(levels: u32, fanout: u32) -> String {
    let mut text =
        String::from("apiVersion: v1\nx0: &a0 {name: demo, version: 1.0.0, urls: [d.tgz]}\n");
    for level in 1..=levels {
        let refs = vec![format!("*a{}", level - 1); fanout as usize].join(", ");
        text.push_str(&format!("x{level}: &a{level} [{refs}]\n"));
    }
    text.push_str(&format!("entries:\n  demo: *a{levels}\n"));
    text
}

fn check_error(e: &helmd_source::Error) {
    let text = e.to_string();
    assert!(text.len() < 600, "error longer than an excerpt: {text}");
}

#[test]
fn alias_expansion_past_the_limit_is_always_refused() {
    let mut g = Gen(0x9e37_79b9_7f4a_7c15);
    for _ in 0..200 {
        let levels = 1 + g.below(6) as u32;
        let fanout = 1 + g.below(12) as u32;
        let text = nested_bomb(levels, fanout);
        let expanded = u64::from(fanout).pow(levels);
        // Each expanded entry is a mapping of 3 scalars and a list: about 8 nodes.
        let limit = 1 << 12;
        let result = IndexFile::parse_limited(text.as_bytes(), "gen", limit);
        if let Err(e) = &result {
            check_error(e);
        }
        // Each expanded entry is 8 nodes and 29 scalar bytes: past 1024 nodes or 4096
        // bytes the expansion limit must be what refuses it.
        if expanded * 29 > limit {
            let e = result.expect_err("expansion past the limit");
            assert!(
                e.to_string().contains("alias expansion exceeds the limit"),
                "{levels}x{fanout}: {e}"
            );
        }
    }
}

#[test]
fn mutated_indexes_and_registry_responses_never_panic_and_errors_stay_short() {
    let seeds: [&[u8]; 5] = [
        b"apiVersion: v1\nentries:\n  demo:\n  - &a {name: demo, version: 1.0.0, description: \"long long text\", urls: [demo-1.0.0.tgz]}\n  - *a\n",
        br#"{"schemaVersion":2,"config":{"mediaType":"application/vnd.cncf.helm.config.v1+json","digest":"sha256:00","size":1},"layers":[{"mediaType":"application/vnd.cncf.helm.chart.content.v1.tar+gzip","digest":"sha256:11","size":2}]}"#,
        br#"{"name":"charts/demo","tags":["1.0.0","1.1.0","2.0.0-rc.1"]}"#,
        br#"{"token":"abc","access_token":"def","expires_in":300}"#,
        br#"Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull""#,
    ];
    let mut g = Gen(0x2545_f491_4f6c_dd1d);
    for round in 0..4000 {
        let seed = seeds[round % seeds.len()];
        let mut data = seed.to_vec();
        for _ in 0..=g.below(8) {
            let at = g.below(data.len() as u64 + 1) as usize;
            match g.below(4) {
                0 if at < data.len() => data[at] = g.next() as u8,
                1 => data.insert(at, b"*&:[]{}\"\n -"[g.below(11) as usize]),
                2 if at < data.len() => {
                    data.remove(at);
                }
                _ => {
                    let junk = "x".repeat(g.below(2000) as usize);
                    data.splice(at..at, junk.bytes());
                }
            }
        }
        if let Err(e) = IndexFile::parse_limited(&data, "gen", 1 << 16) {
            check_error(&e);
        }
        if let Err(e) = responses::ChartManifest::parse(&data, "gen") {
            check_error(&e);
        }
        if let Err(e) = responses::parse_tag_page(&data, "gen") {
            check_error(&e);
        }
        if let Err(e) = responses::parse_token_response(&data, "gen") {
            check_error(&e);
        }
        let text = String::from_utf8_lossy(&data);
        let _ = responses::parse_challenge(&text);
        let _ = responses::next_link(&text);
    }
}
