"""Corpus maintenance: see what Helm renders for spec-file cases, and pin error texts.

Run with the venv python (scripts/venv prints it):

    $(scripts/venv) tests/oracle/corpus_tool.py show tests/charts/gotmpl/fmt.yaml [NAME-SUBSTRING]
    $(scripts/venv) tests/oracle/corpus_tool.py fill-errors tests/charts/gotmpl/errors.yaml

`show` prints each case's files (or error) as Helm renders them, marking
cases whose expectation Helm contradicts with "!!!!". `fill-errors` rewrites
the `error_contains:` of every `expect: error` case to Helm's complete message
(messages longer than 400 characters keep their hand-written substring; the
harness's own "failed to parse values file N: " prefix is dropped).

Spec files are read with Helm's own YAML parser (values_from_yaml), which is
YAML 1.1: quote spec values such as `n`, `y`, `on`, `no` (this tool would read
them as booleans; the Rust loader would not).
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from typing import Any

sys.dont_write_bytecode = True  # keep __pycache__ out of the repo
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import helm_oracle  # noqa: E402
from helm_python import _native  # noqa: E402

VALUES_PREFIX = re.compile(r"^failed to parse values file \d+: ")


def load_spec(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        spec: dict[str, Any] = json.loads(_native.call_string("helm_values_from_yaml", f.read()))
    return spec


def write_chart(root: str, case: dict[str, Any]) -> str:
    chart = os.path.join(root, case["name"])
    os.makedirs(os.path.join(chart, "templates"))

    def put(rel: str, text: str) -> None:
        path = os.path.join(chart, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

    for rel, text in case.get("files", {}).items():
        put(rel, text)
    for rel, hex_bytes in case.get("files_hex", {}).items():
        path = os.path.join(chart, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(bytes.fromhex(hex_bytes))
    if "Chart.yaml" not in case.get("files", {}):
        put("Chart.yaml", f"apiVersion: v2\nname: {case.get('chart', 'c')}\nversion: 0.1.0\n")
    if "values" in case:
        put("values.yaml", case["values"])
    for rel, text in case["templates"].items():
        put(os.path.join("templates", rel), text)
    return chart


def render(root: str, case: dict[str, Any]) -> dict[str, Any]:
    upgrade = case.get("is_upgrade", False)
    return helm_oracle.render_case(
        {
            "chart_dir": write_chart(root, case),
            "values_yaml": case.get("values_files", []),
            "release_name": case.get("release", "release-name"),
            "namespace": case.get("namespace", "default"),
            "revision": case.get("revision", 1),
            "is_install": case.get("is_install", not upgrade),
            "is_upgrade": upgrade,
            "kube_version": case.get("kube_version"),
            "api_versions": case.get("api_versions", []),
        }
    )


def show(path: str, needle: str) -> int:
    root = tempfile.mkdtemp(prefix="corpus-tool-")
    for case in load_spec(path)["cases"]:
        if needle not in case["name"]:
            continue
        result = render(root, case)
        expect = case.get("expect", "match")
        flag = ""
        if expect == "match" and "error" in result:
            flag = "  !!!! expected match"
        elif expect == "error" and "ok" in result:
            flag = "  !!!! expected error"
        elif "error" in result and case.get("error_contains", "") not in result["error"]:
            flag = "  !!!! error_contains not in message"
        print(f"=== {case['name']}{flag}")
        if "ok" in result:
            for name, text in sorted(result["ok"].items()):
                if len(result["ok"]) > 1:
                    print(f"--- {name}")
                sys.stdout.write(text)
                print("¶")
        else:
            print("ERROR:", result["error"])
    return 0


def fill_errors(path: str) -> int:
    root = tempfile.mkdtemp(prefix="corpus-tool-")
    messages: dict[str, str] = {}
    for case in load_spec(path)["cases"]:
        if case.get("expect") != "error":
            continue
        result = render(root, case)
        if "error" not in result:
            print(f"{case['name']}: Helm rendered an error case", file=sys.stderr)
            continue
        message = VALUES_PREFIX.sub("", result["error"])
        if len(message) <= 400:
            messages[case["name"]] = message
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    out: list[str] = []
    current = None
    for line in lines:
        m = re.match(r"^- name: (\S+)$", line)
        if m:
            current = m.group(1)
        if current in messages and re.match(r"^  error_contains: ", line):
            continue
        out.append(line)
        if current in messages and line == "  expect: error":
            out.append("  error_contains: " + json.dumps(messages[current], ensure_ascii=False))
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out))
    print(f"{path}: pinned {len(messages)} error messages")
    return 0


def main() -> int:
    if len(sys.argv) >= 3 and sys.argv[1] == "show":
        return show(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "")
    if len(sys.argv) == 3 and sys.argv[1] == "fill-errors":
        return fill_errors(sys.argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
