"""The `inbeeld` command never falls back to the development settings silently (issue 13)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from inbeeld.__main__ import DEV_SETTINGS, PRODUCTION_SETTINGS, choose_settings


def test_an_explicit_settings_module_is_used_as_is_without_a_word(tmp_path):
    environ = {"DJANGO_SETTINGS_MODULE": "inbeeld.conf.settings.production"}
    assert choose_settings(["inbeeld", "migrate"], environ) == (None, "")
    environ = {"INBEELD_VAR_DIR": str(tmp_path)}
    assert choose_settings(["inbeeld", "check", "--settings=x.y"], environ) == (None, "")
    assert choose_settings(["inbeeld", "check", "--settings", "x.y"], environ) == (None, "")


def test_a_development_checkout_gets_the_development_settings_and_is_told_so(tmp_path):
    (tmp_path / "dev.env").write_text("INBEELD_SECRET_KEY=x\n")
    module, notice = choose_settings(["inbeeld", "migrate"], {"INBEELD_VAR_DIR": str(tmp_path)})
    assert module == DEV_SETTINGS
    assert "ontwikkelinstellingen" in notice and "DEBUG aan" in notice
    assert str(tmp_path / "dev.env") in notice


def test_without_settings_and_without_a_development_checkout_it_refuses(tmp_path):
    with pytest.raises(SystemExit) as refused:
        choose_settings(["inbeeld", "migrate"], {"INBEELD_VAR_DIR": str(tmp_path)})
    assert "geen instellingen gekozen" in str(refused.value.code)
    assert "DJANGO_SETTINGS_MODULE" in str(refused.value.code)
    # Help needs no settings.
    assert choose_settings(["inbeeld", "help"], {"INBEELD_VAR_DIR": str(tmp_path)}) == (None, "")


def test_serve_always_takes_the_production_settings(tmp_path):
    # Also on a development checkout: the production server never runs with DEBUG on.
    (tmp_path / "dev.env").write_text("INBEELD_SECRET_KEY=x\n")
    environ = {"INBEELD_VAR_DIR": str(tmp_path)}
    assert choose_settings(["inbeeld", "serve"], environ) == (PRODUCTION_SETTINGS, "")
    # An explicit choice is left alone (and `serve` refuses anything but production itself).
    environ["DJANGO_SETTINGS_MODULE"] = DEV_SETTINGS
    assert choose_settings(["inbeeld", "serve"], environ) == (None, "")


def _run(tmp_path, *args):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("INBEELD_") and k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env["INBEELD_VAR_DIR"] = str(tmp_path)
    return subprocess.run(  # noqa: S603 (our own interpreter and entry point)
        [sys.executable, "-m", "inbeeld", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_command_refuses_to_guess_and_exits_non_zero(tmp_path):
    result = _run(tmp_path, "check")
    assert result.returncode != 0
    assert "geen instellingen gekozen" in result.stderr
    assert not (tmp_path / "db.sqlite3").exists()


def test_the_command_says_on_stderr_that_it_runs_the_development_settings(tmp_path):
    env_file = tmp_path / "dev.env"
    made = subprocess.run(  # noqa: S603
        [sys.executable, "scripts/make_dev_env.py"],
        capture_output=True,
        text=True,
        check=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )
    env_file.write_text(made.stdout)
    result = _run(tmp_path, "check")
    assert result.returncode == 0, result.stderr
    assert f"ontwikkelinstellingen ({DEV_SETTINGS}, DEBUG aan)" in result.stderr
