"""Entry point of `make bench`: run the bench_*.py modules and (re)write their BENCHMARKS.md sections.

Each module has ``NAME`` (a short key) and ``run() -> str`` returning its Markdown section. Sections
are kept between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->`` markers, so running one
module (``python bench/run.py demo``) replaces its own section and leaves the others alone.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
OUTPUT = PROJECT_DIR / "BENCHMARKS.md"
HEADER = (
    "# Benchmarks\n\n"
    "Measured with `make bench` (runs every `bench/bench_*.py` and rewrites its section below).\n"
)


def modules(selected: list[str]) -> list:
    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))
    found = []
    for path in sorted(BENCH_DIR.glob("bench_*.py")):
        module = importlib.import_module(f"bench.{path.stem}")
        name = getattr(module, "NAME", None)
        if name is None:  # a helper script without a BENCHMARKS.md section
            continue
        if not selected or name in selected:
            found.append(module)
    return found


def update(document: str, name: str, section: str) -> str:
    """``document`` with the section ``name`` replaced by (or extended with) ``section``."""
    block = f"<!-- bench:{name} -->\n{section.strip()}\n<!-- /bench:{name} -->\n"
    pattern = re.compile(
        rf"<!-- bench:{re.escape(name)} -->.*?<!-- /bench:{re.escape(name)} -->\n?", re.DOTALL
    )
    if pattern.search(document):
        return pattern.sub(lambda _: block, document)
    return document.rstrip("\n") + "\n\n" + block


def main(argv: list[str]) -> int:
    chosen = modules(argv)
    if not chosen:
        print(f"no benchmark named {argv}", file=sys.stderr)
        return 2
    document = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else HEADER
    for module in chosen:
        print(f"== bench {module.NAME}", flush=True)
        section = module.run()
        document = update(document, module.NAME, section)
        OUTPUT.write_text(document, encoding="utf-8")  # after each module: partial results survive
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
