//! Benchmarks: parsing a generated 10,000-entry index.yaml and resolving constraints
//! against it; cold vs cached pulls from a real HTTP repository and a real registry.
//! Run with `cargo bench -p helmd-source`; prints medians.

use std::time::{Duration, Instant};

use helmd_source::repo::HttpRepository;
use helmd_source::repo::index::IndexFile;
use helmd_source::{ChartRequest, ChartSource, Credentials, Digest, SourceConfig, Transport};
use helmd_test_support::http_repo::{HttpRepoOptions, HttpRepoServer};
use helmd_test_support::registry::{RegistryOptions, RegistryServer};

const CHARTS: usize = 100;
const VERSIONS_PER_CHART: usize = 100;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(f());
                start.elapsed()
            })
            .collect(),
    )
}

/// 100 charts × 100 versions, shaped like a real index (digest, urls, created, ...).
fn big_index() -> String {
    let mut out = String::from("apiVersion: v1\nentries:\n");
    for c in 0..CHARTS {
        out.push_str(&format!("  chart-{c}:\n"));
        for v in 0..VERSIONS_PER_CHART {
            let version = format!("{}.{}.{}", v / 25, (v / 5) % 5, v % 5);
            out.push_str(&format!(
                "  - apiVersion: v2\n    name: chart-{c}\n    version: {version}\n    appVersion: \"{version}\"\n    \
                 description: Chart number {c} for benchmarking\n    created: \"2026-11-23T13:00:00Z\"\n    \
                 digest: {}\n    urls:\n    - charts/chart-{c}-{version}.tgz\n",
                Digest::of(format!("{c}-{v}").as_bytes()).hex()
            ));
        }
    }
    out
}

fn bench_client() {
    let t = time(15, || {
        HttpRepository::new("https://example.invalid/", Transport::default(), false)
    });
    println!("building an HTTP repository client: {t:?}");
}

fn bench_index() {
    let text = big_index();
    let parse = time(7, || {
        IndexFile::parse(text.as_bytes(), "bench").expect("parse")
    });
    let index = IndexFile::parse(text.as_bytes(), "bench").expect("parse");
    let constraints = ["", "^2", "~1.3", ">=1.2.0 <3.0.0 || 0.x", "3.4.4"];
    let resolve = time(7, || {
        for c in 0..CHARTS {
            for constraint in constraints {
                index
                    .get(&format!("chart-{c}"), constraint, "bench")
                    .expect("resolve");
            }
        }
    });
    let lookups = (CHARTS * constraints.len()) as u32;
    println!(
        "index.yaml: {} entries, {} KiB: parse {parse:?}; resolve {:?} per constraint ({lookups} lookups)",
        CHARTS * VERSIONS_PER_CHART,
        text.len() / 1024,
        resolve / lookups
    );
}

fn chart(name: &str, version: &str) -> Vec<u8> {
    let yaml = format!("apiVersion: v2\nname: {name}\nversion: {version}\n");
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    let mut header = tar::Header::new_gnu();
    header.set_size(yaml.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    builder
        .append_data(&mut header, format!("{name}/Chart.yaml"), yaml.as_bytes())
        .expect("append");
    builder
        .into_inner()
        .and_then(|gz| gz.finish())
        .expect("finish")
}

fn fresh_source(dir: &std::path::Path, i: usize) -> ChartSource {
    ChartSource::new(SourceConfig {
        cache_dir: dir.join(format!("c{i}")),
        cache_max_bytes: 1 << 30,
        index_memory_bytes: helmd_source::source::DEFAULT_INDEX_MEMORY_BYTES,
    })
    .expect("cache")
}

const RUNS: usize = 15;

/// Pull timings: `cold` builds a fresh source per pull (new HTTP client, TLS roots,
/// connections and an empty cache: a CLI's first pull); `uncached` pulls a version not
/// yet cached through one long-lived source (a running helmd's first pull of a
/// version); `cached` pulls the same pinned version again.
struct PullTimes {
    cold: Duration,
    uncached: Duration,
    cached: Duration,
}

async fn pulls(request_for: impl Fn(usize) -> ChartRequest, dir: &std::path::Path) -> PullTimes {
    let mut cold = Vec::new();
    for i in 0..RUNS {
        let src = fresh_source(dir, i);
        let start = Instant::now();
        src.pull(&request_for(0)).await.expect("cold pull");
        cold.push(start.elapsed());
    }
    let src = fresh_source(dir, RUNS);
    src.pull(&request_for(0)).await.expect("warm-up");
    let mut uncached = Vec::new();
    for i in 1..=RUNS {
        let start = Instant::now();
        let pulled = src.pull(&request_for(i)).await.expect("uncached pull");
        uncached.push(start.elapsed());
        assert!(!pulled.from_cache);
    }
    let mut cached = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        assert!(
            src.pull(&request_for(0))
                .await
                .expect("cached pull")
                .from_cache
        );
        cached.push(start.elapsed());
    }
    PullTimes {
        cold: median(cold),
        uncached: median(uncached),
        cached: median(cached),
    }
}

fn report_pulls(what: &str, t: &PullTimes, helm: Option<Duration>) {
    let ratio = |d: Duration| match helm {
        Some(h) => format!(" ({:.1}x)", h.as_secs_f64() / d.as_secs_f64()),
        None => String::new(),
    };
    println!(
        "{what}: Helm v4 pull {}; helmd cold {:?}{}, uncached in a running source {:?}{}, cached {:?}{}",
        helm.map_or("not run".to_owned(), |h| format!("{h:?}")),
        t.cold,
        ratio(t.cold),
        t.uncached,
        ratio(t.uncached),
        t.cached,
        ratio(t.cached),
    );
}

/// Runs `helm_registry.py ARGS...` (Helm v4 through helm_python) and reads its
/// `median_seconds`; `None` when the oracle cannot run here.
async fn helm_median(args: Vec<String>, ca_file: Option<std::path::PathBuf>) -> Option<Duration> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/helm_registry.py");
    let venv = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/venv");
    tokio::task::spawn_blocking(move || -> Option<Duration> {
        let python = std::process::Command::new(venv).output().ok()?;
        let python = String::from_utf8(python.stdout).ok()?;
        let mut command = std::process::Command::new(python.trim());
        command.arg(script).args(&args);
        if let Some(ca) = ca_file {
            command.env("SSL_CERT_FILE", ca);
        }
        let out = command.output().ok()?;
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
        json["median_seconds"].as_f64().map(Duration::from_secs_f64)
    })
    .await
    .ok()
    .flatten()
}

/// One result line: helmd's figure(s), Helm's, and the ratio against helmd's first.
fn report(what: &str, helmd: Duration, extra: &str, helm: Option<Duration>) {
    match helm {
        Some(h) => println!(
            "{what}: helmd {helmd:?}{extra}; Helm v4 {h:?} -> {:.1}x",
            h.as_secs_f64() / helmd.as_secs_f64()
        ),
        None => println!("{what}: helmd {helmd:?}{extra}; Helm v4 not run"),
    }
}

/// The 10,000-entry index served over HTTP, with one real archive (`chart-7` 2.4.4, the
/// answer to `^2`) whose digest the index carries: fetch + parse side by side, then a
/// cold pull through the constraint (fetch, parse, resolve, download, verify).
async fn bench_big_repo() {
    let dir = tempfile::tempdir().expect("tempdir");
    let archive = chart("chart-7", "2.4.4");
    let fake_digest = Digest::of(b"7-74").hex().to_owned();
    let index = big_index().replace(&fake_digest, Digest::of(&archive).hex());
    std::fs::create_dir_all(dir.path().join("charts")).expect("mkdir");
    std::fs::write(dir.path().join("charts/chart-7-2.4.4.tgz"), &archive).expect("write");
    std::fs::write(dir.path().join("index.yaml"), index).expect("write");
    let server = HttpRepoServer::start(dir.path(), HttpRepoOptions::default())
        .await
        .expect("server");
    let mut samples = Vec::new();
    for _ in 0..7 {
        let repo = HttpRepository::new(&server.url(), Transport::default(), false).expect("repo");
        let start = Instant::now();
        repo.index().await.expect("index");
        samples.push(start.elapsed());
    }
    let url = format!("{}/", server.url());
    let helm = helm_median(vec!["bench-index".into(), url.clone(), "7".into()], None).await;
    report(
        "10,000-entry index.yaml (2.8 MB), fetch + parse over HTTP",
        median(samples),
        "",
        helm,
    );

    let request = ChartRequest::Repo {
        url: server.url(),
        chart: "chart-7".into(),
        version: Some("^2".into()),
        transport: Transport::default(),
        pass_credentials_all: false,
    };
    let mut samples = Vec::new();
    for i in 0..7 {
        let src = fresh_source(&dir.path().join("big"), i);
        let start = Instant::now();
        let pulled = src.pull(&request).await.expect("pull ^2");
        samples.push(start.elapsed());
        assert_eq!(pulled.version, "2.4.4");
    }
    let helm = helm_median(
        ["bench-pull-repo", "chart-7", &url, "^2", "7"]
            .map(String::from)
            .to_vec(),
        None,
    )
    .await;
    report(
        "pull chart-7 --version ^2 from that repository, cold (index + resolve + download)",
        median(samples),
        "",
        helm,
    );
}

async fn bench_pulls() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).expect("mkdir");
    let archives: Vec<Vec<u8>> = (0..=RUNS)
        .map(|i| chart("demo", &format!("1.0.{i}")))
        .collect();
    let mut index = String::from("apiVersion: v1\nentries:\n  demo:\n");
    for (i, archive) in archives.iter().enumerate() {
        std::fs::write(repo.join(format!("demo-1.0.{i}.tgz")), archive).expect("write");
        index.push_str(&format!(
            "  - name: demo\n    version: 1.0.{i}\n    digest: {}\n    urls: [demo-1.0.{i}.tgz]\n",
            Digest::of(archive).hex()
        ));
    }
    std::fs::write(repo.join("index.yaml"), index).expect("write");
    let server = HttpRepoServer::start(&repo, HttpRepoOptions::default())
        .await
        .expect("server");
    let url = server.url();
    let times = pulls(
        |i| ChartRequest::Repo {
            url: url.clone(),
            chart: "demo".into(),
            version: Some(format!("1.0.{i}")),
            transport: Transport::default(),
            pass_credentials_all: false,
        },
        dir.path(),
    )
    .await;
    let helm = helm_median(
        ["bench-pull-repo", "demo", &format!("{url}/"), "1.0.0", "15"]
            .map(String::from)
            .to_vec(),
        None,
    )
    .await;
    report_pulls("HTTP repository, pinned version", &times, helm);

    let registry = RegistryServer::start(RegistryOptions::tls())
        .await
        .expect("registry");
    let transport = Transport::default()
        .with_credentials(Credentials::basic(registry.username(), registry.password()))
        .with_ca_pem(registry.ca_pem().unwrap_or_default());
    let remote = format!("oci://{}/bench", registry.host());
    let pusher = fresh_source(dir.path(), 99);
    for archive in &archives {
        pusher
            .push(&remote, archive, None, &transport)
            .await
            .expect("push");
    }
    let times = pulls(
        |i| ChartRequest::Oci {
            reference: format!("{remote}/demo"),
            version: Some(format!("1.0.{i}")),
            transport: transport.clone(),
        },
        &dir.path().join("oci"),
    )
    .await;
    let helm = helm_median(
        vec![
            "bench-pull-oci".into(),
            format!("{remote}/demo"),
            "1.0.0".into(),
            registry.host(),
            registry.username().into(),
            registry.password().into(),
            "15".into(),
        ],
        registry.ca_file(),
    )
    .await;
    report_pulls(
        "OCI registry (TLS, basic auth), pinned version",
        &times,
        helm,
    );
}

fn main() {
    // `cargo test --benches` runs this with `--bench`-less args; keep it quick then.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    helmd_source::install_crypto_provider();
    bench_client();
    bench_index();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    helmd_source::install_crypto_provider();
    runtime.block_on(bench_big_repo());
    runtime.block_on(bench_pulls());
}
