//! Fuzz target: what a registry sends — manifests, tag-list pages, token responses,
//! `WWW-Authenticate` challenges and `Link` headers — decodes or fails cleanly, and an
//! error quotes at most a short excerpt of it.
#![no_main]

use helmd_source::oci::responses;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, body)) = data.split_first() else {
        return;
    };
    let check = |e: helmd_source::Error| assert!(e.to_string().len() < 600, "{e}");
    match kind % 4 {
        0 => match responses::ChartManifest::parse(body, "fuzz") {
            Ok(m) => {
                let _ = m.chart_layer();
                let _ = m.to_json();
            }
            Err(e) => check(e),
        },
        1 => {
            if let Err(e) = responses::parse_tag_page(body, "fuzz") {
                check(e);
            }
        }
        2 => {
            if let Err(e) = responses::parse_token_response(body, "fuzz") {
                check(e);
            }
        }
        _ => {
            let text = String::from_utf8_lossy(body);
            let _ = responses::parse_challenge(&text);
            let _ = responses::next_link(&text);
        }
    }
});
