//! Where Helm looks for a chart argument (`LocateChart`: an existing path first, made
//! absolute, then `oci://…` or `repo/chart`) and how it opens a chart file
//! (`loader.Load`: refused with Helm's words unless it is a gzip archive).

use std::path::{Component, Path, PathBuf};

use anyhow::{Result, bail};

/// A chart argument that names something on disk.
pub enum Local {
    /// A chart directory (absolute).
    Dir(PathBuf),
    /// A packaged chart (absolute).
    File(PathBuf),
}

/// The local chart `name` names (`None`: a remote reference, `oci://host/…` or
/// `repo/chart`), with Helm's errors for a path that does not exist and for what is
/// neither.
pub fn locate(name: &str) -> Result<Option<Local>> {
    let name = name.trim();
    let path = Path::new(name);
    if let Ok(meta) = std::fs::metadata(path) {
        let abs = absolute(path);
        return Ok(Some(if meta.is_dir() {
            Local::Dir(abs)
        } else {
            Local::File(abs)
        }));
    }
    if path.is_absolute() || name.starts_with('.') {
        bail!("path {name:?} not found");
    }
    if name.starts_with("oci://") {
        return Ok(None);
    }
    // Helm's url.Parse: `scheme://host/path` is a chart URL; otherwise the path's
    // first part names a repository.
    let path_part = match name.split_once("://") {
        Some((_, rest)) => {
            let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            if !host.is_empty() && !path.is_empty() {
                bail!(
                    "{name}: helmctl does not download chart URLs; download the archive and pass its path"
                );
            }
            path
        }
        None => name,
    };
    match path_part.split_once('/') {
        Some(("", _)) => bail!("repo  not found"),
        Some(_) => Ok(None),
        None => {
            bail!("non-absolute URLs should be in form of repo_name/path_to_chart, got: {name}")
        }
    }
}

/// Go's `filepath.Abs`: joined to the working directory and cleaned.
pub fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        return clean(path);
    }
    match std::env::current_dir() {
        Ok(cwd) => clean(&cwd.join(path)),
        Err(_) => clean(path),
    }
}

/// Go's `filepath.Clean`: `.` parts dropped, `..` folded into what precedes it.
pub fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                let last = out.components().next_back();
                match last {
                    Some(Component::Normal(_)) => {
                        out.pop();
                    }
                    Some(Component::RootDir) => {}
                    _ => out.push(part),
                }
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// Helm's `loader.Load` of a chart file: its bytes, or Helm's error (`shown` is the
/// name Helm prints) for a file that does not start like a gzip archive.
pub fn read_archive(path: &Path, shown: &str) -> Result<Vec<u8>> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("stat {shown}: no such file or directory")
        }
        Err(e) => bail!("file '{shown}' cannot be read: {e}"),
    };
    // Helm sniffs the first 512 bytes (a zero-filled buffer for shorter files).
    let mut head = [0u8; 512];
    let n = bytes.len().min(512);
    head[..n].copy_from_slice(&bytes[..n]);
    let content_type = detect_content_type(&head);
    if content_type != "application/x-gzip" && !head.starts_with(b"\x1f\x8b\x08") {
        if shown.ends_with(".yml") || shown.ends_with(".yaml") {
            bail!("file '{shown}' seems to be a YAML file, but expected a gzipped archive");
        }
        bail!("file '{shown}' does not appear to be a gzipped archive; got '{content_type}'");
    }
    Ok(bytes)
}

/// Go's `http.DetectContentType` (the signatures a chart argument can plausibly
/// hit: markup, documents, images, fonts, archives, text).
fn detect_content_type(data: &[u8]) -> &'static str {
    let ws = |b: u8| matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ');
    let first = data.iter().position(|&b| !ws(b)).unwrap_or(data.len());
    let rest = &data[first..];
    const HTML: [&str; 17] = [
        "<!DOCTYPE HTML",
        "<HTML",
        "<HEAD",
        "<SCRIPT",
        "<IFRAME",
        "<H1",
        "<DIV",
        "<FONT",
        "<TABLE",
        "<A",
        "<STYLE",
        "<TITLE",
        "<B",
        "<BODY",
        "<BR",
        "<P",
        "<!--",
    ];
    for sig in HTML {
        let sig = sig.as_bytes();
        if rest.len() > sig.len()
            && rest[..sig.len()].eq_ignore_ascii_case(sig)
            && matches!(rest[sig.len()], b' ' | b'>')
        {
            return "text/html; charset=utf-8";
        }
    }
    if rest.starts_with(b"<?xml") {
        return "text/xml; charset=utf-8";
    }
    const EXACT: [(&[u8], &str); 19] = [
        (b"%PDF-", "application/pdf"),
        (b"%!PS-Adobe-", "application/postscript"),
        (b"\x00\x00\x01\x00", "image/x-icon"),
        (b"\x00\x00\x02\x00", "image/x-icon"),
        (b"BM", "image/bmp"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
        (b"\x89PNG\x0d\x0a\x1a\x0a", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"\x00\x01\x00\x00", "font/ttf"),
        (b"OTTO", "font/otf"),
        (b"ttcf", "font/collection"),
        (b"wOFF", "font/woff"),
        (b"wOF2", "font/woff2"),
        (b"\x1f\x8b\x08", "application/x-gzip"),
        (b"PK\x03\x04", "application/zip"),
        (b"Rar!\x1a\x07\x00", "application/x-rar-compressed"),
        (b"Rar!\x1a\x07\x01\x00", "application/x-rar-compressed"),
        (b"\x00asm", "application/wasm"),
    ];
    if data.starts_with(b"\xfe\xff") {
        return "text/plain; charset=utf-16be";
    }
    if data.starts_with(b"\xff\xfe") {
        return "text/plain; charset=utf-16le";
    }
    if data.starts_with(b"\xef\xbb\xbf") {
        return "text/plain; charset=utf-8";
    }
    for (sig, content_type) in EXACT {
        if data.starts_with(sig) {
            return content_type;
        }
    }
    let binary = |b: &u8| matches!(b, 0x00..=0x08 | 0x0b | 0x0e..=0x1a | 0x1c..=0x1f);
    if rest.iter().any(binary) {
        "application/octet-stream"
    } else {
        "text/plain; charset=utf-8"
    }
}
