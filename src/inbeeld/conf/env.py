"""One typed reader for the environment.

Every setting that comes from outside the code goes through ``env``: it converts the value to the
declared type, fails fast with a clear message when a required value is missing or malformed, and
remembers each variable with its help text so that the reference in docs/configuration.md can be
checked against the code (tests/conf/test_env.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


class ImproperlyConfiguredEnv(Exception):
    """A required environment variable is missing or cannot be parsed."""


@dataclass(frozen=True)
class EnvVar:
    name: str
    cast: str
    default: Any
    required: bool
    help: str


REGISTRY: dict[str, EnvVar] = {}
_MISSING = object()
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _cast(name: str, raw: str, cast: type) -> Any:
    if cast is bool:
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfiguredEnv(f"{name} must be a boolean (true/false), got {raw!r}")
    if cast is int:
        try:
            return int(raw)
        except ValueError as exc:
            raise ImproperlyConfiguredEnv(f"{name} must be an integer, got {raw!r}") from exc
    if cast is list:
        return [item.strip() for item in raw.split(",") if item.strip()]
    return raw


def env(name: str, *, cast: type = str, default: Any = _MISSING, help: str) -> Any:
    """Read ``name`` from the environment as ``cast``; without a default it is required."""
    required = default is _MISSING
    REGISTRY[name] = EnvVar(
        name=name,
        cast=cast.__name__,
        default=None if required else default,
        required=required,
        help=help,
    )
    raw = os.environ.get(name)
    if raw is None:
        if required:
            raise ImproperlyConfiguredEnv(
                f"Required environment variable {name} is not set: {help}"
            )
        return default
    return _cast(name, raw, cast)


def render_reference() -> str:
    """The Markdown reference of every variable read through ``env`` (docs/configuration.md)."""
    lines = [
        "# Configuration",
        "",
        "InBeeld reads its configuration from environment variables through one typed reader",
        "(`src/inbeeld/conf/env.py`). A required variable that is missing stops the start with a",
        "clear message. `make run` writes development values to `var/dev.env`; production sets them",
        "in the service environment. This file is generated: `inbeeld env_reference`.",
        "",
        "| Variable | Type | Required | Default | Meaning |",
        "|---|---|---|---|---|",
    ]
    for var in sorted(REGISTRY.values(), key=lambda v: v.name):
        default = "" if var.required else f"`{var.default}`"
        if var.name in {"INBEELD_VAR_DIR", "DATABASE_URL"} and not var.required:
            default = "under the project's `var/`"
        lines.append(
            f"| `{var.name}` | {var.cast} | {'yes' if var.required else 'no'} | {default} | {var.help} |"
        )
    return "\n".join(lines) + "\n"
