"""The OpenAPI document passes the Logius API design rules linter (issue 16 item 4): Spectral
from npm (package.json pins @stoplight/spectral-cli) with the published ruleset saved in
lint/logius-adr-ruleset.yaml, failing on warnings too. Node and the npm packages are part of the
test set-up (`make install-test`); when they are missing this test fails, it never skips."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SPECTRAL = ROOT / "node_modules" / ".bin" / "spectral"
RULESET = ROOT / "lint" / "logius-adr-ruleset.yaml"
DOCUMENT = ROOT / "docs" / "openapi.yaml"


def _lint(document: Path) -> tuple[int, list[dict]]:
    assert shutil.which("node"), (
        "node is missing: install Node.js (see README, `make install-test`)"
    )
    assert SPECTRAL.exists(), f"{SPECTRAL} is missing: run `npm ci` (or `make install-test`)"
    run = subprocess.run(  # noqa: S603 (fixed arguments)
        [
            str(SPECTRAL),
            "lint",
            str(document),
            "--ruleset",
            str(RULESET),
            "--fail-severity=warn",
            "--format=json",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    out = run.stdout.strip()
    return run.returncode, json.loads(out) if out.startswith("[") else []


def test_the_committed_document_passes_the_logius_rules():
    code, problems = _lint(DOCUMENT)
    lines = [f"{p['code']} at {'.'.join(map(str, p['path']))}: {p['message']}" for p in problems]
    assert code == 0 and not problems, "\n".join(lines)


def test_the_linter_does_find_a_broken_rule(tmp_path):
    """Not a linter that passes everything: a server URL without the major version and an error
    answer that is not problem+json are reported."""
    document = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
    document["servers"] = [{"url": "https://inbeeld.example.nl/api"}]
    answer = document["paths"]["/casussen"]["get"]["responses"]["404"]
    answer["content"] = {"application/json": answer["content"]["application/problem+json"]}
    broken = tmp_path / "openapi.yaml"
    broken.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    code, problems = _lint(broken)
    assert code != 0
    found = {p["code"] for p in problems}
    assert {"nlgov:include-major-version-in-uri", "nlgov:use-problem-schema"} <= found, found


def test_the_ruleset_names_its_source():
    head = RULESET.read_text(encoding="utf-8").splitlines()[:8]
    assert any("github.com/Logius-standaarden/API-Design-Rules" in line for line in head)
    assert any("6edd13c7661879b1b7231e6e1929cfa6506c85bc" in line for line in head)
    assert 'extends:\n  - ["spectral:oas", "off"]' in RULESET.read_text(encoding="utf-8")
