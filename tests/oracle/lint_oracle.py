"""What `helm lint` finds, from Helm v4 itself (helm_python.lint).

stdin: a JSON list of {"path", "values_yaml": [...], "strict", "namespace",
"kube_version", "with_subcharts", "skip_schema_validation"}. With
`with_subcharts`, the charts `helm lint --with-subcharts` adds are found the
way its command does (a walk of `<path>/charts`: every directory holding a
Chart.yaml, every .tgz/.tar.gz, in filepath.Walk order) and each is linted
on its own with the same values, as the command does.

stdout: a JSON list, per case, of {"ok": [{"path", "messages": [{"severity",
"path", "error"}], "errors": [...], "linted": n}, ...]} or {"error": text}.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import helm_python
from helm_oracle import ValuesFileError, user_values


def walk_charts(root: str) -> list[str]:
    """filepath.Walk over root: entries of each directory in name order."""
    found: list[str] = []

    def visit(path: str) -> None:
        name = os.path.basename(path)
        if os.path.isdir(path):
            for entry in sorted(os.listdir(path)):
                visit(os.path.join(path, entry))
            return
        if name == "Chart.yaml":
            found.append(os.path.dirname(path))
        elif path.endswith(".tgz") or path.endswith(".tar.gz"):
            found.append(path)

    if os.path.exists(root):
        visit(root)
    return found


def lint(case: dict[str, Any]) -> dict[str, Any]:
    try:
        values = user_values(case.get("values_yaml", []))
    except (ValuesFileError, helm_python.HelmError) as err:
        return {"error": str(err)}
    paths = [case["path"]]
    if case.get("with_subcharts"):
        paths += walk_charts(os.path.join(case["path"], "charts"))
    out = []
    for path in paths:
        opts: dict[str, Any] = {
            "strict": bool(case.get("strict")),
            "namespace": case.get("namespace") or "default",
            "skip_schema_validation": bool(case.get("skip_schema_validation")),
        }
        if case.get("kube_version"):
            opts["kube_version"] = case["kube_version"]
        try:
            report = helm_python.lint(path, values, **opts)
        except helm_python.HelmError as err:
            return {"error": str(err)}
        out.append(
            {
                "path": path,
                "messages": report.get("messages") or [],
                "errors": [str(e) for e in report.get("errors") or []],
                "linted": report.get("total_charts_linted", 0),
            }
        )
    return {"ok": out}


def main() -> None:
    cases = json.load(sys.stdin)
    json.dump([lint(c) for c in cases], sys.stdout)


if __name__ == "__main__":
    main()
