"""Helm v4's own `--set` parsers (strvals) through helm_python, for the differential test.

stdin: a JSON list of {"kind": "set" | "string" | "json" | "literal" | "file",
"expr": "..."}; stdout: a JSON list, in order, of {"ok": <Go's JSON text of
the parsed map>} or {"error": <Helm's message>}. The JSON text is passed on
exactly as Go wrote it (keys sorted, numbers as Go prints them).
"""

from __future__ import annotations

import json
import sys

import helm_python
from helm_python import _native

FUNCTIONS = {
    "set": "helm_strvals_parse",
    "string": "helm_strvals_parse_string",
    "json": "helm_strvals_parse_json",
    "literal": "helm_strvals_parse_literal",
    "file": "helm_strvals_parse_file",
}


def parse(request: dict[str, str]) -> dict[str, str]:
    try:
        return {"ok": _native.call_string(FUNCTIONS[request["kind"]], request["expr"])}
    except helm_python.HelmError as err:
        return {"error": str(err)}


def main() -> int:
    requests = json.load(sys.stdin)
    json.dump([parse(r) for r in requests], sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
