"""Helm v4 oracle: renders chart directories with Helm's own Go engine.

Runs inside the venv that scripts/venv prints (PyPI helm-python-sdk, import
helm_python, which bundles Helm SDK v4.2.3).

Batch mode (the only mode): stdin holds a JSON list of cases

    {"chart_dir": "/abs/path", "values_yaml": ["a: 1\n", ...],
     "release_name": "release-name", "namespace": "default", "revision": 1,
     "is_install": true, "is_upgrade": false,
     "kube_version": null | "v1.28.0", "api_versions": ["foo/v1", ...],
     "install_checks": false}

and stdout receives a JSON list of results in the same order, each either
{"ok": {template path: rendered text}} or {"error": message}. With --stream
it writes one result per line instead, flushing each (the Rust harness uses
this to survive a case that crashes the Go runtime).

Values: every entry of values_yaml is one values file, parsed exactly as
`helm template -f` parses it (Helm's LoadValues: all YAML documents of the
file, each through sigs.k8s.io/yaml so numbers become float64, merged in
order), then the files are merged in order the way Helm merges several -f
files (nested maps merge, anything else is replaced). The merged
map goes to the native render as JSON; see FINDINGS.md for why that JSON
round trip cannot change what templates see.
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
import tempfile
from typing import Any

import helm_python
from helm_python import _native


def merge_maps(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Merge one -f document over the previous ones, as Helm's mergeMaps does."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_maps(out[key], value)
        else:
            out[key] = value
    return out


def go_number(text: str) -> int | float:
    """An integer literal of Go's JSON as Python keeps it without loss.

    Go writes every values number as float64; Python reads integer-looking
    text as int, which re-encodes to the same text, except "-0", which would
    lose its sign (Go keeps float64 negative zero from `-0.0` in YAML).
    """
    return -0.0 if text == "-0" else int(text)


def _take_string_go(ptr: int | None) -> str | None:
    """helm_python's take_string, but for text that is not UTF-8.

    Go strings are bytes: an error message can quote a binary file. The SDK
    decodes strictly and would raise; this decodes every invalid byte to
    U+FFFD on its own, as Go's encoding/json does (Helm's JSON output, and
    what helmd's text shows), and frees the string exactly once.
    """
    if not ptr:
        return None
    try:
        raw = ctypes.string_at(ptr).decode("utf-8", "surrogateescape")
        return "".join("\ufffd" if "\udc80" <= ch <= "\udcff" else ch for ch in raw)
    finally:
        _native.lib.helm_free_string(ctypes.c_void_p(ptr))


_native.take_string = _take_string_go

_VALUES_CHART: str | None = None
_LOAD_PREFIX = "cannot load values.yaml: "


def load_values(document: str) -> dict[str, Any]:
    """Parse one values file exactly as `helm template -f` (Helm v4) does.

    Helm v4 reads a -f file with chart loader's LoadValues: the text is split
    into YAML documents, each is parsed with sigs.k8s.io/yaml (numbers become
    float64) and they merge in order. The chart loader reads values.yaml with
    the very same LoadValues, so the document is written as the values.yaml
    of a scratch chart and read back through Helm. (helm_values_from_yaml
    would not do: it keeps only the first YAML document.)
    """
    global _VALUES_CHART
    if _VALUES_CHART is None:
        _VALUES_CHART = tempfile.mkdtemp(prefix="helm-oracle-values-")
        with open(os.path.join(_VALUES_CHART, "Chart.yaml"), "w", encoding="utf-8") as f:
            f.write("apiVersion: v2\nname: values\nversion: 0.1.0\n")
    with open(os.path.join(_VALUES_CHART, "values.yaml"), "w", encoding="utf-8") as f:
        f.write(document)
    try:
        chart = helm_python.Chart.load(_VALUES_CHART)
    except helm_python.HelmError as err:
        message = str(err)
        raise ValuesFileError(message.removeprefix(_LOAD_PREFIX)) from err
    try:
        parsed: dict[str, Any] = json.loads(
            _native.call_string("helm_chart_values", chart._raw()),
            parse_int=go_number,
        )
        return parsed
    finally:
        chart.close()


def user_values(documents: list[str]) -> dict[str, Any]:
    """The user-supplied values of `helm template -f doc1 -f doc2 ...`."""
    merged: dict[str, Any] = {}
    for index, document in enumerate(documents):
        try:
            parsed = load_values(document)
        except ValuesFileError as err:
            # helm template reports: failed to parse <file>: <reason>
            raise ValuesFileError(f"failed to parse values file {index}: {err}") from err
        merged = merge_maps(merged, parsed)
    return merged


class ValuesFileError(Exception):
    """A values document Helm refuses to parse."""


def render_options(case: dict[str, Any]) -> dict[str, Any]:
    """The native render's options object (it names the release `name`)."""
    opts: dict[str, Any] = {
        "name": case.get("release_name", "release-name"),
        "namespace": case.get("namespace", "default"),
        "revision": case.get("revision", 1),
        "is_install": case.get("is_install", True),
        "is_upgrade": case.get("is_upgrade", False),
    }
    if case.get("kube_version"):
        opts["kube_version"] = case["kube_version"]
    if case.get("api_versions"):
        opts["api_versions"] = list(case["api_versions"])
    return opts


_INSTALL_CONFIG: helm_python.Config | None = None
_EMPTY_KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n"


def install_error(case: dict[str, Any], values: dict[str, Any]) -> str | None:
    """The error of a client-only install (`helm install --dry-run=client`), if any.

    The native render is Helm's engine after dependency processing and schema
    validation; the checks `helm template` adds before it (dependencies declared
    but missing from charts/, the chart's kubeVersion) only run in an install.
    The install uses Helm's default Kubernetes version (v1.36.0).
    """
    global _INSTALL_CONFIG
    if _INSTALL_CONFIG is None:
        _INSTALL_CONFIG = helm_python.Config(
            storage_driver="memory", kubeconfig_content=_EMPTY_KUBECONFIG
        )
    try:
        _INSTALL_CONFIG.install(
            case["chart_dir"],
            case.get("release_name", "release-name"),
            values,
            namespace=case.get("namespace", "default"),
            dry_run="client",
        )
    except helm_python.HelmError as err:
        return cli_words(str(err))
    return None


# helm-python-sdk wraps Helm's CheckDependencies error in words of its own; the helm
# CLI (install, upgrade, template) says this instead, and so does helmd (checked
# against helm 4.3.2 itself in tests/e2e/tests/release_deps.rs).
_SDK_MISSING_DEPS = "chart dependencies are missing; run dependency update/build first: "
_CLI_MISSING_DEPS = (
    "an error occurred while checking for chart dependencies. You may need to run "
    "'helm dependency build' to fetch missing dependencies: "
)


def cli_words(message: str) -> str:
    """An install error as the helm CLI words it."""
    if message.startswith(_SDK_MISSING_DEPS):
        return _CLI_MISSING_DEPS + message[len(_SDK_MISSING_DEPS):]
    return message


def render_case(case: dict[str, Any]) -> dict[str, Any]:
    """Render one case; never raises for a Helm-side failure."""
    try:
        values = user_values(case.get("values_yaml", []))
    except ValuesFileError as err:
        return {"error": str(err)}
    if case.get("install_checks"):
        error = install_error(case, values)
        if error is not None:
            return {"error": error}
    # Rendering mutates the loaded chart (pruned subcharts, imported values),
    # so every render loads the chart afresh.
    try:
        chart = helm_python.Chart.load(case["chart_dir"])
    except helm_python.HelmError as err:
        return {"error": str(err)}
    try:
        rendered = _native.call_string(
            "helm_render",
            chart._raw(),
            json.dumps(values),
            json.dumps(render_options(case)),
        )
        return {"ok": json.loads(rendered)}
    except helm_python.HelmError as err:
        return {"error": str(err)}
    finally:
        chart.close()


def main() -> int:
    cases = json.load(sys.stdin)
    if not isinstance(cases, list):
        print("helm_oracle: stdin must hold a JSON list of cases", file=sys.stderr)
        return 2
    if "--stream" in sys.argv[1:]:
        # One result per line, flushed as soon as it exists: a case that
        # crashes Helm's Go runtime (e.g. unbounded tpl recursion overflows
        # the goroutine stack and aborts the process) costs only itself,
        # because the caller knows which results arrived and restarts after.
        for case in cases:
            sys.stdout.write(json.dumps(render_case(case)) + "\n")
            sys.stdout.flush()
        return 0
    results = [render_case(case) for case in cases]
    json.dump(results, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
