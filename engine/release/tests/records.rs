//! Release records in Helm v4's format: the JSON body, the codecs, the Secret and SQL forms, the store.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use flate2::Compression;
use flate2::write::GzEncoder;
use helmd_release::{
    Error, MAX_SECRET_BYTES, MemoryStore, Query, Release, ReleaseRow, ReleaseStore, SecretRecord,
    Status, Write, decode_release, encode_release, release_from_json, release_json,
    validate_custom_labels,
};
use std::io::Write as _;

/// A record written the way Go's encoding/json writes Helm v4.2's structs: struct
/// field order, omitempty, sorted map keys, `<>&` escaped, times RFC3339Nano
/// with their zone, `[]byte` as base64, the chart's `schemamodtime` always present.
const HELM_JSON: &str = concat!(
    r#"{"name":"web","info":{"first_deployed":"2026-12-07T15:47:38.123456789+01:00","#,
    r#""last_deployed":"2026-12-07T15:50:00.5+01:00","description":"Upgrade complete","#,
    r#""status":"deployed","notes":"open http://\u003chost\u003e \u0026 enjoy\n"},"#,
    r#""chart":{"metadata":{"name":"web","version":"1.2.3","description":"A web app","#,
    r#""maintainers":[{"name":"ops","email":"ops@example.com"}],"apiVersion":"v2","#,
    r#""appVersion":"2.0","annotations":{"a":"1","b":"2"},"#,
    r#""dependencies":[{"name":"db","version":"~1.0","repository":"","enabled":true,"#,
    r#""import-values":["child"]}],"type":"application"},"lock":null,"#,
    r#""templates":[{"name":"templates/cm.yaml","data":"a2luZDogQ29uZmlnTWFw"}],"#,
    r#""values":{"image":{"tag":"1.0"},"replicas":1},"schema":null,"#,
    r#""schemamodtime":"0001-01-01T00:00:00Z","files":[{"name":"README.md","data":""}]},"#,
    r#""config":{"big":1e+21,"replicas":3},"manifest":"---\n# Source: web/templates/cm.yaml\nkind: ConfigMap\n","#,
    r#""hooks":[{"name":"web-test","kind":"Pod","path":"web/templates/test.yaml","#,
    r#""manifest":"kind: Pod","events":["test"],"last_run":{"started_at":"2026-12-07T15:51:00Z","#,
    r#""completed_at":"2026-12-07T15:51:02Z","phase":"Succeeded"},"weight":-5,"#,
    r#""delete_policies":["before-hook-creation"]},{"name":"web-pre","kind":"Job","#,
    r#""path":"web/templates/pre.yaml","events":["pre-install","pre-upgrade"],"#,
    r#""last_run":{"phase":""}}],"version":2,"namespace":"apps","apply_method":"ssa"}"#
);

fn fixture() -> Release {
    release_from_json(HELM_JSON).expect("Helm's JSON decodes")
}

fn gzip_base64(json: &str) -> String {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(json.as_bytes()).expect("gzip");
    STANDARD.encode(gz.finish().expect("gzip"))
}

#[test]
fn helm_json_decodes_field_for_field() {
    let r = fixture();
    assert_eq!(r.name, "web");
    assert_eq!(r.namespace, "apps");
    assert_eq!(r.version, 2);
    assert_eq!(r.apply_method, "ssa");
    let info = r.info.as_ref().expect("info");
    assert_eq!(info.status, Status::Deployed);
    assert_eq!(info.description, "Upgrade complete");
    assert_eq!(info.notes, "open http://<host> & enjoy\n");
    let first = info.first_deployed.expect("first_deployed");
    assert_eq!(first.nanosecond(), 123_456_789);
    assert_eq!(first.offset().whole_hours(), 1);
    assert_eq!(info.deleted, None);
    let chart = r.chart.as_ref().expect("chart");
    let meta = chart.metadata.as_ref().expect("metadata");
    assert_eq!(
        (meta.name.as_str(), meta.version.as_str()),
        ("web", "1.2.3")
    );
    assert_eq!(meta.annotations.get("b").map(String::as_str), Some("2"));
    assert!(meta.dependencies[0].enabled);
    assert_eq!(chart.lock, None);
    let templates = chart.templates.as_ref().expect("templates");
    assert_eq!(templates[0].data.as_deref(), Some(&b"kind: ConfigMap"[..]));
    assert_eq!(
        chart.files.as_ref().expect("files")[0].data.as_deref(),
        Some(&b""[..])
    );
    assert_eq!(chart.schema, None);
    assert_eq!(chart.schema_mod_time, None);
    assert_eq!(r.hooks.len(), 2);
    assert_eq!(r.hooks[0].weight, -5);
    assert_eq!(r.hooks[0].last_run.phase, "Succeeded");
    assert_eq!(r.hooks[1].events, ["pre-install", "pre-upgrade"]);
    assert_eq!(r.hooks[1].last_run.started_at, None);
    let config = helmd_yaml::to_json(&r.config).expect("config");
    assert_eq!(config, r#"{"big":1e+21,"replicas":3}"#);
    assert!(r.labels.is_empty(), "labels are never in the body");
}

#[test]
fn encoding_writes_exactly_what_go_writes() {
    assert_eq!(release_json(&fixture()).expect("encodes"), HELM_JSON);
}

#[test]
fn a_body_round_trips_through_base64_and_gzip() {
    let r = fixture();
    let body = encode_release(&r).expect("encodes");
    let raw = STANDARD.decode(&body).expect("base64");
    assert_eq!(raw[..3], [0x1f, 0x8b, 0x08], "gzip magic");
    assert_eq!(decode_release(&body).expect("decodes"), r);
    // Another gzip writer (Go's) is read the same way.
    assert_eq!(decode_release(&gzip_base64(HELM_JSON)).expect("decodes"), r);
}

#[test]
fn an_uncompressed_body_is_read_like_helm_does() {
    let body = STANDARD.encode(HELM_JSON);
    assert_eq!(decode_release(&body).expect("decodes"), fixture());
}

#[test]
fn go_decoding_rules_apply() {
    // Empty times (Helm accepts them), unknown fields, case-insensitive keys.
    let r = release_from_json(
        r#"{"NAME":"x","info":{"first_deployed":"","deleted":null,"status":"failed"},"future":1}"#,
    )
    .expect("decodes");
    assert_eq!(r.name, "x");
    let info = r.info.expect("info");
    assert_eq!((info.first_deployed, info.status), (None, Status::Failed));
    assert_eq!(
        release_json(&Release {
            name: "x".into(),
            ..Release::default()
        })
        .expect("json"),
        r#"{"name":"x"}"#
    );
}

#[test]
fn a_wrong_field_type_is_go_s_error() {
    let err = release_from_json(r#"{"name":1}"#).expect_err("refused");
    assert_eq!(
        err.to_string(),
        "release record JSON: cannot unmarshal number into Go struct field Release.name of type string"
    );
    assert!(matches!(
        decode_release("not base64!"),
        Err(Error::Base64(_))
    ));
}

#[test]
fn the_secret_is_the_one_helm_writes() {
    let mut r = fixture();
    r.labels = BTreeMap::from([("team".to_string(), "web".to_string())]);
    let secret = SecretRecord::new(&r, Write::Create, 1_765_000_000).expect("secret");
    let json = secret.to_json();
    assert_eq!(json["metadata"]["name"], "sh.helm.release.v1.web.v2");
    assert_eq!(json["metadata"]["namespace"], "apps");
    assert_eq!(json["type"], "helm.sh/release.v1");
    let labels = &json["metadata"]["labels"];
    assert_eq!(labels["name"], "web");
    assert_eq!(labels["owner"], "helm");
    assert_eq!(labels["status"], "deployed");
    assert_eq!(labels["version"], "2");
    assert_eq!(labels["createdAt"], "1765000000");
    assert_eq!(labels["team"], "web");
    // data.release is the body, base64 once more on the wire.
    let wire = STANDARD
        .decode(json["data"]["release"].as_str().expect("data"))
        .expect("b64");
    assert_eq!(String::from_utf8(wire).expect("utf8"), secret.body);
    let back = SecretRecord::from_json(&json).expect("reads");
    assert_eq!(
        back.release().expect("release"),
        r,
        "custom labels come back, system ones do not"
    );
    let updated = SecretRecord::new(&r, Write::Update, 7).expect("secret");
    assert_eq!(
        updated.labels.get("modifiedAt").map(String::as_str),
        Some("7")
    );
    assert_eq!(updated.labels.get("createdAt"), None);
}

#[test]
fn a_record_over_one_mebibyte_is_refused_naming_the_limit() {
    // Incompressible text so the gzipped body stays large.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let manifest: String = (0..1_000_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(b'!' + (state % 90) as u8)
        })
        .collect();
    let r = Release {
        manifest,
        ..fixture()
    };
    let err = SecretRecord::new(&r, Write::Create, 0).expect_err("too large");
    assert!(
        matches!(
            err,
            Error::RecordTooLarge {
                limit: MAX_SECRET_BYTES,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("Secret size limit of 1048576 bytes"),
        "{err}"
    );
}

#[test]
fn the_sql_rows_are_the_ones_helm_writes() {
    let mut r = fixture();
    r.labels = BTreeMap::from([("team".to_string(), "web".to_string())]);
    let (row, labels) = ReleaseRow::new(&r, 1_765_000_000).expect("row");
    assert_eq!(row.key, "sh.helm.release.v1.web.v2");
    assert_eq!(row.record_type, "helm.sh/release.v1");
    assert_eq!((row.name.as_str(), row.namespace.as_str()), ("web", "apps"));
    assert_eq!(
        (row.version, row.status.as_str(), row.owner.as_str()),
        (2, "deployed", "helm")
    );
    assert_eq!((row.created_at, row.modified_at), (1_765_000_000, 0));
    assert_eq!(labels.len(), 1);
    assert_eq!(
        (labels[0].key.as_str(), labels[0].value.as_str()),
        ("team", "web")
    );
    assert_eq!(labels[0].release_key, row.key);
    assert_eq!(row.release(&labels).expect("release"), r);
    let nameless = Release {
        namespace: String::new(),
        ..fixture()
    };
    assert_eq!(
        ReleaseRow::new(&nameless, 0).expect("row").0.namespace,
        "default"
    );
}

#[test]
fn system_labels_are_refused_as_custom_labels() {
    let labels = BTreeMap::from([("owner".to_string(), "me".to_string())]);
    assert_eq!(
        validate_custom_labels(&labels)
            .expect_err("refused")
            .to_string(),
        "user supplied labels contains system reserved label name. System labels: [name owner status version createdAt modifiedAt]"
    );
}

fn revision(version: i64, status: Status) -> Release {
    let mut r = fixture();
    r.version = version;
    if let Some(info) = r.info.as_mut() {
        info.status = status;
    }
    r
}

#[tokio::test]
async fn the_memory_store_keeps_history_and_prunes_like_helm() {
    let store = MemoryStore::new();
    store
        .create(&revision(1, Status::Deployed))
        .await
        .expect("create");
    for v in 2..=4 {
        store
            .create(&revision(v, Status::Failed))
            .await
            .expect("create");
    }
    assert!(matches!(
        store.create(&revision(4, Status::Failed)).await,
        Err(Error::Exists)
    ));
    let pruned = store
        .create_pruned(&revision(5, Status::Failed), 3)
        .await
        .expect("create");
    assert_eq!(pruned, [2, 3], "the last deployed revision 1 stays");
    let history: Vec<i64> = store
        .history("apps", "web")
        .await
        .expect("history")
        .iter()
        .map(|r| r.version)
        .collect();
    assert_eq!(history, [1, 4, 5]);
    assert_eq!(
        store
            .deployed("apps", "web")
            .await
            .expect("deployed")
            .map(|r| r.version),
        Some(1)
    );
    assert_eq!(store.last("apps", "web").await.expect("last").version, 5);
    let failed = store
        .query(&Query {
            status: Some(Status::Failed),
            ..Query::default()
        })
        .await
        .expect("query");
    assert_eq!(failed.len(), 2);
    store
        .update(&revision(5, Status::Deployed))
        .await
        .expect("update");
    assert_eq!(
        store
            .get("apps", "web", 5)
            .await
            .expect("get")
            .info
            .expect("info")
            .status,
        Status::Deployed
    );
    assert!(matches!(
        store.get("apps", "web", 9).await,
        Err(Error::NotFound)
    ));
    assert_eq!(
        store
            .delete("apps", "web", 1)
            .await
            .expect("delete")
            .version,
        1
    );
    assert!(matches!(
        store.update(&revision(1, Status::Superseded)).await,
        Err(Error::NotFound)
    ));
}
