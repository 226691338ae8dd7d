"""Drives Helm v4 (helm_python) against a registry for helmd-source's interop tests.

Every command prints one JSON object on stdout. Registry TLS trust comes from
SSL_CERT_FILE, set by the caller.

  package DIR NAME VERSION           helm create + helm package -> {"archive": path}
  push ARCHIVE REMOTE HOST USER PASS [--plain-http]   -> {"pushed": archive}
  resolve REF HOST USER PASS [--plain-http]           -> {"digest", "media_type", "size"}
  tags REF HOST USER PASS [--plain-http]              -> {"tags": [...]}
  pull REF VERSION DEST HOST USER PASS [--plain-http] -> {"archive": path}
  render ARCHIVE                     Chart.load + render -> {"name", "version", "templates"}
  login-file FILE HOST USER PASS [--plain-http]       helm registry login into FILE
  repo-index DIR                     helm repo index DIR -> {"entries": n}
  bench-index URL RUNS               median time of Helm fetching + parsing URL/index.yaml
  bench-pull-repo NAME REPO_URL VERSION RUNS
                                     median time of `helm pull --repo` into a fresh directory
  bench-pull-oci REF VERSION HOST USER PASS RUNS [--plain-http]
                                     median time of `helm pull oci://` (logged in once)
  dep-update CHART_DIR               helm dependency update -> {"lock": text, "charts": [...]}
  repo-pick NAME REPO_URL DEST C...   helm pull --repo --version C for each constraint C
                                     -> {"picked": [file name or null, ...]}
"""

import json
import os
import sys
import tempfile
import time

from helm_python.chart import Chart, package
from helm_python.registry import RegistryClient, dependency_update, pull, repo_index, repo_index_generate


def client(host, user, password, plain_http, credentials_file=None):
    if credentials_file is None:
        credentials_file = os.path.join(tempfile.mkdtemp(prefix="helm-creds-"), "config.json")
    c = RegistryClient(plain_http=plain_http, credentials_file=credentials_file)
    c.login(host, user, password, plain_http=plain_http)
    return c


def timed_pulls(runs, pull_into):
    """Median seconds of `runs` pulls, each into a fresh directory (Helm keeps no chart cache)."""
    samples = []
    for _ in range(runs):
        dest = tempfile.mkdtemp(prefix="helm-bench-pull-")
        start = time.perf_counter()
        pull_into(dest)
        samples.append(time.perf_counter() - start)
        for f in os.listdir(dest):
            os.remove(os.path.join(dest, f))
        os.rmdir(dest)
    return sorted(samples)[len(samples) // 2]


def main(argv):
    plain_http = "--plain-http" in argv
    args = [a for a in argv if a != "--plain-http"]
    command = args[0]
    if command == "package":
        directory, name, version = args[1:4]
        Chart.create(name, directory)
        archive = package(os.path.join(directory, name), destination=directory, version=version)
        return {"archive": archive}
    if command == "push":
        archive, remote, host, user, password = args[1:6]
        client(host, user, password, plain_http).push(archive, remote)
        return {"pushed": archive}
    if command == "resolve":
        ref, host, user, password = args[1:5]
        c = client(host, user, password, plain_http)
        return c.resolve(ref)
    if command == "tags":
        ref, host, user, password = args[1:5]
        c = client(host, user, password, plain_http)
        return {"tags": c.tags(ref)}
    if command == "pull":
        ref, version, dest, host, user, password = args[1:7]
        c = client(host, user, password, plain_http)
        before = set(os.listdir(dest))
        c.pull(ref, destination=dest, version=version or None)
        new = sorted(set(os.listdir(dest)) - before)
        return {"archive": os.path.join(dest, new[0]) if new else None}
    if command == "render":
        with open(args[1], "rb") as f:
            chart = Chart.load_archive(f.read())
        rendered = chart.render({}, name="interop", namespace="default")
        return {"name": chart.name, "version": chart.version, "templates": sorted(rendered)}
    if command == "login-file":
        path, host, user, password = args[1:5]
        client(host, user, password, plain_http, credentials_file=path)
        return {"file": path}
    if command == "repo-index":
        index = repo_index_generate(args[1])
        return {"entries": sum(len(v) for v in index.get("entries", {}).values())}
    if command == "repo-pick":
        name, repo_url, dest = args[1:4]
        picked = []
        for constraint in args[4:]:
            before = set(os.listdir(dest))
            try:
                pull(name, repo_url=repo_url, version=constraint or None, destination=dest)
            except Exception:  # Helm found no match: that is the answer
                picked.append(None)
                continue
            new = sorted(set(os.listdir(dest)) - before)
            picked.append(new[0] if new else "(already pulled)")
            for f in new:
                os.remove(os.path.join(dest, f))
        return {"picked": picked}
    if command == "bench-index":
        url, runs = args[1], int(args[2])
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            repo_index(url)
            samples.append(time.perf_counter() - start)
        return {"median_seconds": sorted(samples)[len(samples) // 2]}
    if command == "bench-pull-repo":
        name, repo_url, version, runs = args[1], args[2], args[3], int(args[4])
        return {"median_seconds": timed_pulls(runs, lambda dest: pull(name, repo_url=repo_url, version=version or None, destination=dest))}
    if command == "bench-pull-oci":
        ref, version, host, user, password, runs = args[1:7]
        c = client(host, user, password, plain_http)
        return {"median_seconds": timed_pulls(int(runs), lambda dest: c.pull(ref, destination=dest, version=version or None))}
    if command == "dep-update":
        chart_dir = args[1]
        dependency_update(chart_dir)
        with open(os.path.join(chart_dir, "Chart.lock")) as f:
            lock = f.read()
        return {"lock": lock, "charts": sorted(os.listdir(os.path.join(chart_dir, "charts")))}
    raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
