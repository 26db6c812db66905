"""The documentation that the code can check: the configuration reference and the README."""

from pathlib import Path

from inbeeld.conf.env import REGISTRY, render_reference

ROOT = Path(__file__).resolve().parents[1]


def test_configuration_reference_matches_the_env_reader():
    documented = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert documented == render_reference(), "regenerate with `inbeeld env_reference`"


def test_every_required_variable_is_in_the_reference():
    documented = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for name in REGISTRY:
        assert f"`{name}`" in documented


def test_readme_starts_with_the_product_and_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    head = readme[:2500]
    assert head.startswith("# InBeeld")
    assert "make run" in head and "make test" in head
    assert "http://127.0.0.1:8000" in head
