"""What `helm template` prints for the manifest, from Helm v4 itself.

Helm's client-side dry-run install (helm_python `Config.install(...,
dry_run="client")`, no cluster needed) returns the release's manifest and
notes; `helm template` prints `strings.TrimSpace(manifest)` plus a newline
and then the hooks (which the install summary does not carry).

stdin: a JSON list of {"chart_dir", "release_name", "namespace",
"values_yaml": [...], "set_json": [...], "set": [...], "set_string": [...],
"set_literal": [...]}. Values are merged in Helm's order (-f files, then
--set-json, --set, --set-string, --set-literal), each flag parsed by Helm's
own strvals parser and merged like MergeMaps (exact for expressions that do
not index into lists that already exist). Values reach the install as JSON,
so every number is float64 there.

stdout: a JSON list of {"ok": {"manifest": ..., "notes": ...}} or {"error": ...}.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import helm_python
from helm_oracle import ValuesFileError, merge_maps, user_values

PARSERS = [
    ("set_json", helm_python.parse_set_json),
    ("set", helm_python.parse_set_string),
    ("set_string", helm_python.parse_set_string_values),
    ("set_literal", helm_python.parse_set_literal),
]


def merged_values(case: dict[str, Any]) -> dict[str, Any]:
    values = user_values(case.get("values_yaml", []))
    for key, parse in PARSERS:
        for expr in case.get(key, []):
            if key == "set_json" and expr.strip().startswith("{"):
                values = merge_maps(values, json.loads(expr))
            else:
                values = merge_maps(values, parse(expr))
    return values


def template(case: dict[str, Any]) -> dict[str, Any]:
    try:
        values = merged_values(case)
    except (ValuesFileError, helm_python.HelmError) as err:
        return {"error": str(err)}
    config = helm_python.Config(
        storage_driver="memory",
        kube_apiserver="https://127.0.0.1:1",
        namespace=case.get("namespace", "default"),
    )
    try:
        release = config.install(
            case["chart_dir"],
            case.get("release_name", "release-name"),
            values,
            namespace=case.get("namespace", "default"),
            dry_run="client",
        )
        return {"ok": {"manifest": release.get("manifest", ""), "notes": release.get("notes", "")}}
    except helm_python.HelmError as err:
        return {"error": str(err)}
    finally:
        config.close()


def main() -> int:
    cases = json.load(sys.stdin)
    json.dump([template(c) for c in cases], sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
