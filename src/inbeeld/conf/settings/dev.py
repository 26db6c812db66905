"""Development settings: `make run`. Keys come from var/dev.env, which `make run` generates."""

import os
from pathlib import Path

_DEV_ENV = Path(os.environ.get("INBEELD_VAR_DIR", Path(__file__).resolve().parents[4] / "var"))
_DEV_ENV_FILE = _DEV_ENV / "dev.env"
if _DEV_ENV_FILE.exists():
    for _line in _DEV_ENV_FILE.read_text().splitlines():
        if "=" in _line and not _line.lstrip().startswith("#"):
            _key, _value = _line.split("=", 1)
            os.environ.setdefault(_key.strip(), _value.strip())

from inbeeld.conf.settings.base import *  # noqa: E402,F403

DEBUG = True
