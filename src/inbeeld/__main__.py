"""The `inbeeld` command: Django's management commands with InBeeld's settings.

The settings are never guessed silently (issue 13). DJANGO_SETTINGS_MODULE or `--settings` choose
them. Without either, `inbeeld serve` (the production server) always uses the production
settings; any other command uses the development settings (DEBUG on) only on a development
checkout, one with var/dev.env (made by `make devenv`, which `make run` runs), and says so on
stderr; anywhere else it refuses to start and says what to set.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

DEV_SETTINGS = "inbeeld.conf.settings.dev"
PRODUCTION_SETTINGS = "inbeeld.conf.settings.production"
# These need no settings: Django lists its own commands without them.
_NO_SETTINGS_NEEDED = {"help", "--help", "-h", "--version", "version"}
# The production server runs nothing else: on a development checkout too it never guesses DEBUG.
_PRODUCTION_COMMANDS = {"serve"}


def dev_env_file(environ: Mapping[str, str]) -> Path:
    """var/dev.env of this checkout (or of INBEELD_VAR_DIR), as settings/dev.py reads it."""
    var_dir = environ.get("INBEELD_VAR_DIR") or Path(__file__).resolve().parents[2] / "var"
    return Path(var_dir) / "dev.env"


def choose_settings(argv: Sequence[str], environ: Mapping[str, str]) -> tuple[str | None, str]:
    """The settings module to set (None: leave it to the environment or `--settings`) and the
    line to print on stderr. Raises SystemExit when nothing chose the settings."""
    if environ.get("DJANGO_SETTINGS_MODULE"):
        return None, ""
    if any(arg == "--settings" or arg.startswith("--settings=") for arg in argv[1:]):
        return None, ""
    if len(argv) < 2 or argv[1] in _NO_SETTINGS_NEEDED:
        return None, ""
    if argv[1] in _PRODUCTION_COMMANDS:
        return PRODUCTION_SETTINGS, ""
    env_file = dev_env_file(environ)
    if env_file.exists():
        return DEV_SETTINGS, (
            f"inbeeld: ontwikkelinstellingen ({DEV_SETTINGS}, DEBUG aan), omdat {env_file} "
            "bestaat en DJANGO_SETTINGS_MODULE niet is gezet."
        )
    raise SystemExit(
        "inbeeld: geen instellingen gekozen. Zet DJANGO_SETTINGS_MODULE (in productie "
        f"{PRODUCTION_SETTINGS}) of geef --settings mee; voor ontwikkeling maakt `make devenv` "
        f"{env_file} aan."
    )


def main() -> None:
    module, notice = choose_settings(sys.argv, os.environ)
    if module:
        os.environ["DJANGO_SETTINGS_MODULE"] = module
    if notice:
        print(notice, file=sys.stderr)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
