"""The one typed environment reader: required values fail fast, values are cast or refused."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from inbeeld.conf import env as env_module
from inbeeld.conf.env import EnvVar, ImproperlyConfiguredEnv, env

NAME = "INBEELD_TEST_ONLY_VARIABLE"


@pytest.fixture(autouse=True)
def _private_registry(monkeypatch):
    """The variables these tests invent stay out of the real registry (the docs check it)."""
    monkeypatch.setattr(env_module, "REGISTRY", dict(env_module.REGISTRY))
    monkeypatch.delenv(NAME, raising=False)


def test_a_missing_required_variable_fails_fast_with_its_name_and_help():
    with pytest.raises(ImproperlyConfiguredEnv) as missing:
        env(NAME, help="Iets dat nodig is")
    assert NAME in str(missing.value)
    assert "Iets dat nodig is" in str(missing.value)


def test_a_missing_optional_variable_gives_its_default():
    assert env(NAME, default="standaard", help="h") == "standaard"
    assert env(NAME, cast=int, default=7, help="h") == 7
    assert env(NAME, cast=list, default=["a"], help="h") == ["a"]


def test_an_empty_required_variable_is_a_value_not_missing(monkeypatch):
    monkeypatch.setenv(NAME, "")
    assert env(NAME, help="h") == ""


def test_a_string_is_returned_as_given(monkeypatch):
    monkeypatch.setenv(NAME, "  met spaties, en komma's  ")
    assert env(NAME, help="h") == "  met spaties, en komma's  "


@pytest.mark.parametrize("raw", ["1", "true", "True", "YES", "on", " true "])
def test_true_booleans(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)
    assert env(NAME, cast=bool, default=False, help="h") is True


@pytest.mark.parametrize("raw", ["0", "false", "FALSE", "no", "off", ""])
def test_false_booleans(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)
    assert env(NAME, cast=bool, default=True, help="h") is False


@pytest.mark.parametrize("raw", ["maybe", "2", "ja", "t"])
def test_a_bad_boolean_is_refused_with_the_name(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)
    with pytest.raises(ImproperlyConfiguredEnv, match=f"{NAME} must be a boolean"):
        env(NAME, cast=bool, default=False, help="h")


def test_integers(monkeypatch):
    monkeypatch.setenv(NAME, "42")
    assert env(NAME, cast=int, help="h") == 42
    monkeypatch.setenv(NAME, "-3")
    assert env(NAME, cast=int, help="h") == -3


@pytest.mark.parametrize("raw", ["4x", "", "1.5", "tien"])
def test_a_bad_integer_is_refused_with_the_name(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)
    with pytest.raises(ImproperlyConfiguredEnv, match=f"{NAME} must be an integer"):
        env(NAME, cast=int, default=1, help="h")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a,b,c", ["a", "b", "c"]),
        (" a , b ,, c ,", ["a", "b", "c"]),
        ("", []),
        ("enkel", ["enkel"]),
    ],
)
def test_lists_are_comma_separated_and_trimmed(monkeypatch, raw, expected):
    monkeypatch.setenv(NAME, raw)
    assert env(NAME, cast=list, help="h") == expected


def test_every_read_is_registered_with_its_help():
    env(NAME, cast=int, default=5, help="Vijf is genoeg")
    assert env_module.REGISTRY[NAME] == EnvVar(
        name=NAME, cast="int", default=5, required=False, help="Vijf is genoeg"
    )
    with pytest.raises(ImproperlyConfiguredEnv):
        env(NAME, help="Verplicht")
    assert env_module.REGISTRY[NAME].required is True


def test_the_settings_read_their_secrets_as_required_variables():
    registry = env_module.REGISTRY
    for name in ("INBEELD_SECRET_KEY", "INBEELD_ENCRYPTION_KEYS", "INBEELD_LINKAGE_KEY"):
        assert registry[name].required, name
        assert registry[name].help
    assert registry["INBEELD_DEBUG"].cast == "bool" and registry["INBEELD_DEBUG"].default is False
    assert registry["INBEELD_ENCRYPTION_KEYS"].cast == "list"
    assert not registry["DATABASE_URL"].required


def _settings_import(settings_module, **environ):
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("INBEELD_") and k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    return subprocess.run(  # noqa: S603 (our own interpreter and a fixed script)
        [sys.executable, "-c", f"import {settings_module}"],
        env={**keep, **environ},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_production_settings_refuse_to_load_without_a_secret_key(tmp_path):
    result = _settings_import("inbeeld.conf.settings.production", INBEELD_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "ImproperlyConfiguredEnv" in result.stderr
    assert "INBEELD_SECRET_KEY" in result.stderr


def test_the_production_settings_refuse_a_malformed_debug_flag(tmp_path):
    result = _settings_import(
        "inbeeld.conf.settings.production",
        INBEELD_VAR_DIR=str(tmp_path),
        INBEELD_SECRET_KEY="k" * 60,
        INBEELD_DEBUG="misschien",
        INBEELD_ENCRYPTION_KEYS="x",
        INBEELD_LINKAGE_KEY="y",
    )
    assert result.returncode != 0
    assert "INBEELD_DEBUG must be a boolean" in result.stderr
