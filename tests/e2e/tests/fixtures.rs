//! Chart fixtures for the repository and chart e2e tests: archives built in memory, an
//! HTTP chart repository serving them with an index.yaml, the TLS registry with
//! htpasswd, helmd started with a credentials key, and Repository messages.

use std::path::PathBuf;

use helmd_client::proto::{
    BasicCredentials, Repository, RepositoryCredentials, RepositoryType, SecretCredentials,
    TlsConfig, repository_credentials,
};
use helmd_test_support::http_repo::{HttpRepoOptions, HttpRepoServer};
use helmd_test_support::registry::{RegistryOptions, RegistryServer};
use helmd_test_support::token_server::TokenUser;
use helmd_test_support::{Helmd, HelmdOptions};
use sha2::Digest;
use tempfile::TempDir;

/// The password of the HTTP repository's basic auth.
pub const REPO_PASSWORD: &str = "repo-Pa55word!";

/// A chart archive: Chart.yaml, values.yaml, README.md and one template.
pub fn chart_archive(name: &str, version: &str) -> Vec<u8> {
    chart_archive_sized(name, version, 0)
}

/// Like [`chart_archive`] with `padding` incompressible-ish bytes in a file.
pub fn chart_archive_sized(name: &str, version: &str, padding: usize) -> Vec<u8> {
    let chart_yaml = format!(
        "apiVersion: v2\nname: {name}\nversion: {version}\ndescription: {name} serves web pages\n\
         appVersion: \"2.4\"\nkeywords:\n  - web\n"
    );
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("Chart.yaml".into(), chart_yaml.into_bytes()),
        ("values.yaml".into(), b"replicas: 2\n".to_vec()),
        ("README.md".into(), format!("# {name}\n").into_bytes()),
        (
            "templates/cm.yaml".into(),
            b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n".to_vec(),
        ),
    ];
    if padding > 0 {
        let mut state = 0x2545_f491_u32;
        let noise: Vec<u8> = (0..padding)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state.to_le_bytes()[0]
            })
            .collect();
        files.push(("files/blob.bin".into(), noise));
    }
    pack(name, files)
}

/// `files` (path → bytes) packed as `helm package` lays them out, under `name/`.
pub fn pack<P: AsRef<str>, D: AsRef<[u8]>>(
    name: &str,
    files: impl IntoIterator<Item = (P, D)>,
) -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    for (path, bytes) in files {
        let bytes = bytes.as_ref();
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, format!("{name}/{}", path.as_ref()), bytes)
            .expect("append");
    }
    builder
        .into_inner()
        .and_then(|gz| gz.finish())
        .expect("finish")
}

/// A served HTTP chart repository and the directory behind it.
pub struct HttpRepo {
    /// The server.
    pub server: HttpRepoServer,
    /// Its files.
    pub _dir: TempDir,
}

/// An HTTP repository (basic auth `helmd` / [`REPO_PASSWORD`]) holding `charts`
/// (name, version); `corrupt` names a version whose index digest is wrong.
pub async fn http_repo(charts: &[(&str, &str)], corrupt: Option<&str>) -> HttpRepo {
    http_repo_of(charts, chart_archive, corrupt, true).await
}

/// An HTTP repository holding `charts` (name, version), each archive made by
/// `archive`; with `auth`, basic auth `helmd` / [`REPO_PASSWORD`].
pub async fn http_repo_of(
    charts: &[(&str, &str)],
    archive: impl Fn(&str, &str) -> Vec<u8>,
    corrupt: Option<&str>,
    auth: bool,
) -> HttpRepo {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut index = String::from("apiVersion: v1\nentries:\n");
    let mut names: Vec<&str> = charts.iter().map(|(n, _)| *n).collect();
    names.dedup();
    for name in names {
        index.push_str(&format!("  {name}:\n"));
        for (_, version) in charts.iter().filter(|(n, _)| *n == name) {
            let archive = archive(name, version);
            let file = format!("{name}-{version}.tgz");
            std::fs::write(dir.path().join(&file), &archive).expect("write archive");
            let mut digest = hex::encode(sha2::Sha256::digest(&archive));
            if corrupt == Some(*version) {
                digest = "0".repeat(64);
            }
            index.push_str(&format!(
                "  - name: {name}\n    version: {version}\n    appVersion: \"2.4\"\n    \
                 description: {name} serves web pages\n    keywords: [web]\n    \
                 created: \"2026-01-02T03:04:05Z\"\n    digest: {digest}\n    urls: [{file}]\n"
            ));
        }
    }
    std::fs::write(dir.path().join("index.yaml"), index).expect("write index");
    let server = HttpRepoServer::start(
        dir.path(),
        HttpRepoOptions {
            basic_auth: auth.then(|| ("helmd".into(), REPO_PASSWORD.into())),
            tls: None,
        },
    )
    .await
    .expect("http repo");
    HttpRepo { server, _dir: dir }
}

/// The TLS registry with htpasswd.
pub async fn registry() -> RegistryServer {
    RegistryServer::start(RegistryOptions::tls())
        .await
        .expect("registry")
}

/// A TLS registry behind the test token service; `users` besides the default admin.
pub async fn token_registry(users: Vec<TokenUser>) -> RegistryServer {
    RegistryServer::start(RegistryOptions::token(true, users))
        .await
        .expect("registry with token auth")
}

/// helmd with a credentials key (and the extra arguments), on SQLite or `database_url`.
pub async fn helmd_with_key(database_url: Option<String>, extra: &[&str]) -> (Helmd, TempDir) {
    let keys = tempfile::tempdir().expect("tempdir");
    let key_file: PathBuf = keys.path().join("credentials.key");
    std::fs::write(&key_file, "42".repeat(32)).expect("write key");
    let mut args = vec![
        "--credentials-key-file".to_owned(),
        key_file.display().to_string(),
        "--source-retry-deadline".to_owned(),
        "1s".to_owned(),
    ];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let helmd = Helmd::start(HelmdOptions {
        database_url,
        args,
        ..Default::default()
    })
    .await
    .expect("helmd");
    (helmd, keys)
}

/// Basic credentials.
pub fn basic(username: &str, password: &str) -> Option<RepositoryCredentials> {
    Some(RepositoryCredentials {
        kind: Some(repository_credentials::Kind::Basic(BasicCredentials {
            username: username.into(),
            password: password.into(),
        })),
    })
}

/// A Secret reference with the default keys.
pub fn secret_ref(namespace: &str, name: &str) -> Option<RepositoryCredentials> {
    Some(RepositoryCredentials {
        kind: Some(repository_credentials::Kind::Secret(SecretCredentials {
            namespace: namespace.into(),
            name: name.into(),
            ..SecretCredentials::default()
        })),
    })
}

/// An HTTP repository message.
pub fn http_repository(
    name: &str,
    url: &str,
    credentials: Option<RepositoryCredentials>,
) -> Repository {
    Repository {
        name: name.into(),
        r#type: RepositoryType::Http as i32,
        url: url.into(),
        credentials,
        ..Repository::default()
    }
}

/// An OCI repository message for `oci://<registry>/charts`, trusting its CA.
pub fn oci_repository(
    name: &str,
    registry: &RegistryServer,
    credentials: Option<RepositoryCredentials>,
) -> Repository {
    Repository {
        name: name.into(),
        r#type: RepositoryType::Oci as i32,
        url: format!("oci://{}/charts", registry.host()),
        credentials,
        tls: Some(TlsConfig {
            ca_pem: registry.ca_pem().expect("tls registry").to_owned(),
            ..TlsConfig::default()
        }),
        ..Repository::default()
    }
}

/// Writes `files` (path → text) under `dir`, creating directories.
pub fn write_files(dir: &std::path::Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
}

/// Runs helmctl locally (no server) with its repositories file and cache under `home`,
/// `stdin` piped in; returns its exit code, stdout and stderr.
pub fn helmctl_in(
    home: &std::path::Path,
    args: &[&str],
    stdin: Option<&str>,
) -> (i32, String, String) {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = helmctl_cli(home)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn helmctl");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("write stdin");
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().expect("helmctl output");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// helmctl with a repositories file and cache of its own.
pub struct Helmctl {
    home: TempDir,
}

impl Helmctl {
    pub fn new() -> Self {
        Helmctl {
            home: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// Where its repositories file and cache live.
    pub fn home(&self) -> &std::path::Path {
        self.home.path()
    }

    /// Exit code, stdout and stderr.
    pub fn exec(&self, args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
        helmctl_in(self.home.path(), args, stdin)
    }

    /// Whether it succeeded, stdout and stderr.
    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
        let (code, stdout, stderr) = self.exec(args, stdin);
        (code == 0, stdout, stderr)
    }

    /// Stdout of a run that must succeed.
    pub fn ok(&self, args: &[&str], stdin: Option<&str>) -> String {
        let (ok, stdout, stderr) = self.run(args, stdin);
        assert!(ok, "helmctl {args:?} failed:\n{stdout}\n{stderr}");
        stdout
    }
}

/// One helmctl run with a fresh home: whether it succeeded, stdout and stderr.
pub fn helmctl(args: &[&str]) -> (bool, String, String) {
    Helmctl::new().run(args, None)
}

/// A chart by name and version in a registered repository.
pub fn repo_chart(
    repository: &str,
    chart: &str,
    version: &str,
) -> Option<helmd_client::proto::ChartReference> {
    use helmd_client::proto::{ChartReference, RepositoryChart, chart_reference};
    Some(ChartReference {
        source: Some(chart_reference::Source::Repository(RepositoryChart {
            repository: repository.into(),
            chart: chart.into(),
            version: version.into(),
        })),
    })
}

/// Registers `repository` without verifying it.
pub async fn create_repository(c: &helmd_client::Client, repository: Repository) {
    c.repositories()
        .create_repository(helmd_client::proto::CreateRepositoryRequest {
            repository: Some(repository),
            verify: false,
        })
        .await
        .expect("create repository");
}

/// Exit success, stdout and the error text (without the tool's `Error: ` or
/// `helmctl: error: ` prefix) of one CLI run.
pub type HelmOutcome = (bool, String, String);

pub fn run_cli(mut cmd: std::process::Command, stdin: Option<&[u8]>) -> HelmOutcome {
    use std::io::Write;
    use std::process::Stdio;
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.unwrap_or_default()).expect("stdin");
    drop(input);
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let error = stderr
        .lines()
        .filter_map(|l| {
            l.strip_prefix("Error: ")
                .or(l.strip_prefix("helmctl: error: "))
        })
        .collect::<Vec<_>>()
        .join("\n");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        error,
    )
}

/// The real Helm CLI `tool` (`helm4`, `helm3`) with a private home under `home`
/// (its config, cache and data directories), so no test sees another's repositories.
pub fn helm_cli(tool: &str, home: &std::path::Path) -> std::process::Command {
    let bin = helmd_test_support::binaries::go_tool(tool).expect("helm CLI");
    let mut cmd = std::process::Command::new(bin);
    cmd.env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_DATA_HOME", home.join("data"));
    cmd
}

/// Local helmctl (no server) with its repositories file and cache under `home`.
pub fn helmctl_cli(home: &std::path::Path) -> std::process::Command {
    let bin = helmd_test_support::binaries::binary("helmd-client", "helmctl").expect("helmctl");
    let mut cmd = std::process::Command::new(bin);
    cmd.env_remove("HELMD_SERVER")
        .env_remove("HELMD_CA_FILE")
        .env("HELMCTL_REPOSITORY_CONFIG", home.join("repositories.json"))
        .env("HELMCTL_REPOSITORY_CACHE", home.join("cache"));
    cmd
}

/// The same command line run by the real Helm v4 CLI and by local helmctl, both from
/// `dir` with homes of their own under it.
pub fn helm_and_helmctl(
    dir: &std::path::Path,
    args: &[&str],
    stdin: Option<&[u8]>,
) -> (HelmOutcome, HelmOutcome) {
    let mut h = helm_cli("helm4", &dir.join("helm"));
    h.current_dir(dir).args(args);
    let mut ours = helmctl_cli(&dir.join("home"));
    ours.current_dir(dir).args(args);
    (run_cli(h, stdin), run_cli(ours, stdin))
}
