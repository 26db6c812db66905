"""The real-data helper (issue 13 item 8): a missing file skips locally and fails under CI, and no
test finds ../shared/data on its own (so none can skip quietly past the helper)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests import realdata
from tests.realdata import shared_data

TESTS = Path(__file__).resolve().parent


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(realdata, "SHARED_DATA", tmp_path)
    (tmp_path / "present.csv").write_text("a\n1\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("value", ["", "false", "0", "no"])
def test_a_missing_file_skips_outside_ci(data_dir, monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.skip.Exception, match="missing.csv"):
        shared_data("missing.csv")


def test_a_missing_file_skips_without_ci_variable(data_dir, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="missing.csv"):
        shared_data("missing.csv")


@pytest.mark.parametrize("value", ["true", "TRUE", "1", "yes"])
def test_a_missing_file_fails_under_ci(data_dir, monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="missing.csv.*under CI"):
        shared_data("missing.csv")


def test_a_missing_data_directory_fails_under_ci(tmp_path, monkeypatch):
    monkeypatch.setattr(realdata, "SHARED_DATA", tmp_path / "no-such-dir")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        shared_data(realdata.NL_MSE_SIX_LISTS)


def test_a_present_file_is_returned_under_ci_and_locally(data_dir, monkeypatch):
    for value in ("true", ""):
        monkeypatch.setenv("CI", value)
        assert shared_data("present.csv") == data_dir / "present.csv"


def test_the_data_directory_is_next_to_the_project_root():
    assert realdata.SHARED_DATA == TESTS.parent.parent / "shared" / "data"


def _mentions_shared_data(tree: ast.AST) -> bool:
    """A string (not a docstring) that names the shared data directory or a path into it."""
    docstrings = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    return any(
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and (node.value == "shared" or "shared/data" in node.value)
        for node in ast.walk(tree)
    )


def test_no_test_builds_its_own_path_to_the_shared_data():
    """A test that tests ``path.exists()`` itself could skip under CI; every real data set goes
    through realdata.shared_data."""
    own = {Path(realdata.__file__).resolve(), Path(__file__).resolve()}
    offenders = [
        path.relative_to(TESTS).as_posix()
        for path in sorted(TESTS.rglob("*.py"))
        if path.resolve() not in own
        and _mentions_shared_data(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not offenders, offenders
