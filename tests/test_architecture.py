"""House rules, checked mechanically.

1. Views (and, later, API modules) never touch a protected model's manager. Case, ChainEvent,
   CaseAssignment and every other model of inbeeld.cases are read through the selectors, which
   take the user and apply the policy (`cases_visible_to`, `case_get_for`, ...). A view that
   writes `Case.objects...` or walks `case.events` / `unit.cases` bypasses the policy.
2. Secure by default: every URL of the project that is not explicitly public sends an
   anonymous visitor to a login page; nothing answers 200 or 500 anonymously.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.converters import IntConverter, UUIDConverter
from django.urls.resolvers import RoutePattern

import inbeeld

SRC = Path(inbeeld.__file__).resolve().parent
# Cases and, since issue 5, signals: both are read only through selectors that take the user.
PROTECTED_APPS = ("cases", "intake")
PROTECTED_MODULES = {"inbeeld.cases.models", "inbeeld.intake.models"}
# Named explicitly so the rule holds even if a model moves out of inbeeld.cases.models.
ALWAYS_PROTECTED = {"Case", "ChainEvent", "CaseAssignment"}
ALWAYS_PROTECTED_ACCESSORS = {"events", "assignments"}
MANAGER_ATTRS = {"objects", "_default_manager", "_base_manager"}
# Modules that answer HTTP requests: views.py / api.py, or anything in a views/ or api/ package.
REQUEST_MODULE_NAMES = {"views", "api"}


# --- the checker ------------------------------------------------------------------------------


def protected_model_names() -> set[str]:
    return ALWAYS_PROTECTED | {
        m.__name__ for app in PROTECTED_APPS for m in apps.get_app_config(app).get_models()
    }


def protected_accessors() -> set[str]:
    """Reverse accessors, on any model, that yield rows of a protected model
    (``case.events``, ``case.assignments``, ``unit.cases``, ``user.case_assignments``, ...)."""
    protected = {m for app in PROTECTED_APPS for m in apps.get_app_config(app).get_models()}
    names = set(ALWAYS_PROTECTED_ACCESSORS)
    for model in apps.get_models():
        for rel in model._meta.related_objects:
            accessor = rel.get_accessor_name()
            if rel.related_model in protected and accessor and not accessor.endswith("+"):
                names.add(accessor)
        for field in model._meta.many_to_many:  # forward many-to-many onto a protected model
            if field.related_model in protected:
                names.add(field.name)
    return names


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def _module_name(path: Path) -> str:
    if not path.is_file() or not path.resolve().is_relative_to(SRC):
        return "inbeeld.cases.views"  # a synthetic snippet: checked as if it were that module
    rel = path.resolve().relative_to(SRC.parent)
    parts = list(rel.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(module: str | None, level: int, current: str, is_package: bool) -> str:
    if not level:
        return module or ""
    base = current.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


class _ManagerAccessChecker(ast.NodeVisitor):
    def __init__(
        self, path: str, module: str, is_package: bool, models: set[str], accessors: set[str]
    ):
        self.path = path
        self.module = module
        self.is_package = is_package
        self.models = set(models)  # bare names that refer to a protected model
        self.all_models = set(models)  # class names, also as ``something.Case``
        self.accessors = accessors
        self.module_aliases: set[str] = set()  # names bound by ``import x`` / module imports
        self.violations: list[Violation] = []

    def _flag(self, node: ast.AST, message: str) -> None:
        self.violations.append(Violation(self.path, getattr(node, "lineno", 0), message))

    # Imports: learn the names under which protected models (or their module) are reachable.
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.module_aliases.add(alias.asname or alias.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        source = _absolute(node.module, node.level, self.module, self.is_package)
        for alias in node.names:
            bound = alias.asname or alias.name
            if source in PROTECTED_MODULES:
                if alias.name == "*":
                    self.models |= self.all_models
                else:
                    self.models.add(bound)
            elif f"{source}.{alias.name}" in PROTECTED_MODULES or alias.name == "models":
                self.module_aliases.add(bound)

    def _refers_to_model(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.models
        if isinstance(node, ast.Attribute):  # models.Case, inbeeld.cases.models.Case
            return node.attr in self.all_models
        return False

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in MANAGER_ATTRS and self._refers_to_model(node.value):
            self._flag(
                node,
                f"`{ast.unparse(node)}`: protected model manager in a view; "
                "use a selector (inbeeld.cases.selectors)",
            )
        elif node.attr in self.accessors and not (
            isinstance(node.value, ast.Name) and node.value.id in self.module_aliases
        ):
            self._flag(
                node,
                f"`{ast.unparse(node)}`: related manager onto a protected model "
                "in a view; only selectors may follow it",
            )
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        # getattr(Case, "objects") / getattr(case, "events")
        if (
            isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
        ):
            attr = node.args[1].value
            if (attr in MANAGER_ATTRS and self._refers_to_model(node.args[0])) or (
                attr in self.accessors
            ):
                self._flag(node, f"`{ast.unparse(node)}`: protected rows outside the selectors")
        self.generic_visit(node)


def check_source(
    source: str, path: str = "<snippet>", *, is_package: bool = False
) -> list[Violation]:
    checker = _ManagerAccessChecker(
        path, _module_name(Path(path)), is_package, protected_model_names(), protected_accessors()
    )
    checker.visit(ast.parse(source, filename=path))
    return checker.violations


def request_modules() -> list[Path]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC).parts
        if "migrations" in parts:
            continue
        if path.stem in REQUEST_MODULE_NAMES or REQUEST_MODULE_NAMES & set(parts[:-1]):
            found.append(path)
    return found


# --- rule 1: views never touch protected managers -----------------------------------------------


def test_request_modules_are_found():
    found = {p.relative_to(SRC).as_posix() for p in request_modules()}
    assert {"cases/views.py", "accounts/views.py"} <= found, found


def test_views_do_not_touch_protected_model_managers():
    violations = []
    for path in request_modules():
        violations += check_source(
            path.read_text(encoding="utf-8"), str(path), is_package=path.name == "__init__.py"
        )
    assert not violations, "Views must read cases through selectors:\n" + "\n".join(
        map(str, violations)
    )


BAD_SNIPPETS = {
    "signal manager": """
        from inbeeld.intake.models import Signal
        def view(request):
            return Signal.objects.filter(reference="SG-2345-6789")
    """,
    "signal history accessor": """
        def view(request, signal):
            return list(signal.events.all())
    """,
    "bare name": """
        from inbeeld.cases.models import Case
        def view(request):
            return Case.objects.all()
    """,
    "alias": """
        from inbeeld.cases.models import ChainEvent as Event
        def view(request):
            return Event.objects.filter(pk=1)
    """,
    "relative import": """
        from .models import CaseAssignment
        def view(request):
            return CaseAssignment.objects.count()
    """,
    "models module": """
        from inbeeld.cases import models
        def view(request):
            return models.Case.objects.first()
    """,
    "dotted module": """
        import inbeeld.cases.models
        def view(request):
            return inbeeld.cases.models.ChainEvent.objects.all()
    """,
    "default manager": """
        from inbeeld.cases.models import Case
        def view(request):
            return Case._default_manager.all()
    """,
    "getattr": """
        from inbeeld.cases.models import Case
        def view(request):
            return getattr(Case, "objects").all()
    """,
    "name without import": """
        def view(request):
            return ChainEvent.objects.all()
    """,
    "related events": """
        def view(request, case):
            return case.events.all()
    """,
    "related assignments": """
        def view(request, case):
            return list(case.assignments.filter(role="psychologist"))
    """,
    "reverse accessor from another model": """
        def view(request):
            return request.user.case_assignments.all()
    """,
    "reverse accessor from reference data": """
        from inbeeld.reference.models import PoliceUnit
        def view(request):
            return PoliceUnit.objects.get(code="amsterdam").cases.all()
    """,
}


@pytest.mark.parametrize("snippet", BAD_SNIPPETS.values(), ids=BAD_SNIPPETS.keys())
def test_checker_catches_bad_snippet(snippet):
    violations = check_source(textwrap.dedent(snippet))
    assert violations, "the checker missed a protected-manager access"


def test_checker_accepts_selectors_and_unprotected_models():
    source = textwrap.dedent("""
        import inbeeld.cases.selectors
        from inbeeld.cases import selectors
        from inbeeld.reference.models import PoliceUnit

        def view(request, code):
            case = selectors.case_get_for(request.user, code)
            timeline = inbeeld.cases.selectors.case_timeline(request.user, case)
            units = PoliceUnit.objects.filter(pk__in=[1])
            return case, timeline, units, case.exploitation_forms.all()
    """)
    assert check_source(source) == []


# --- rule 2: secure by default ------------------------------------------------------------------

# URL names that answer anonymous visitors on purpose. Static files are not in the URLconf.
# (The admin's login page redirects to the one login page, so it is covered by the rule below.)
PUBLIC_URL_NAMES = {
    "accounts:login",
    # Anonymous intake (issue 5): the public signal form, the receipt-code status page and the
    # form behind a one-time link.
    "public_intake:create",
    "public_intake:status",
    "public_intake:link",
    # A one-time password-reset link from the administrator (the user cannot log in yet).
    "accounts:password_reset",
}
# Public pages that answer 404 for the sample URL (an unknown one-time link).
PUBLIC_NOT_FOUND_FOR_SAMPLE = {"public_intake:link", "accounts:password_reset"}
LOGIN_PATH = "/account/inloggen/"
ADMIN_LOGIN_PATH = "/beheer/login/"

_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^()]*)\)")


def _sample_route(route: str, converters: dict) -> str:
    def value(match: re.Match) -> str:
        converter = converters.get(match["name"])
        if isinstance(converter, IntConverter):
            return "1"
        if isinstance(converter, UUIDConverter):
            return "00000000-0000-0000-0000-000000000001"
        return "x1"

    return _ROUTE_PARAM.sub(value, route)


def _sample_regex(regex: str) -> str:
    def value(match: re.Match) -> str:
        alternatives = match["body"].split("|")
        if all(re.fullmatch(r"[\w-]+", a) for a in alternatives):
            return alternatives[0]  # (?P<app_label>accounts|audit|...)
        return "1" if r"\d" in match["body"] else "x1"

    sample = _REGEX_GROUP.sub(value, regex.removeprefix("^").removesuffix("$"))
    return sample.replace("\\", "")


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        pattern = entry.pattern
        if isinstance(pattern, RoutePattern):
            piece = _sample_route(str(pattern), pattern.converters)
        else:
            piece = _sample_regex(str(pattern))
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            yield from _walk(
                entry.url_patterns, prefix + piece, f"{namespace}{ns}:" if ns else namespace
            )
        else:
            assert isinstance(entry, URLPattern)
            name = f"{namespace}{entry.name}" if entry.name else None
            yield "/" + prefix + piece, name, entry


def project_urls() -> list[tuple[str, str | None, URLPattern]]:
    return list(_walk(get_resolver().url_patterns))


def test_every_url_pattern_gets_a_sample_url_that_resolves_to_it():
    wrong = []
    for url, name, pattern in project_urls():
        match = resolve(urlsplit(url).path)
        if match.func is not pattern.callback:
            wrong.append(f"{url} ({name}) resolves to {match.view_name}")
    assert not wrong, "teach _sample_route/_sample_regex these patterns:\n" + "\n".join(wrong)
    names = {name for _, name, _ in project_urls()}
    assert {"home", "cases:list", "cases:detail", "admin:index"} <= names
    assert PUBLIC_URL_NAMES <= names, "a public URL name no longer exists"


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_login_everywhere(client, method):
    problems = []
    for url, name, _ in project_urls():
        if name in PUBLIC_URL_NAMES:
            continue
        response = getattr(client, method)(url)
        location = urlsplit(response.get("Location", "")).path
        is_admin = (name or "").startswith("admin:") or url.startswith("/beheer/")
        allowed = {LOGIN_PATH, ADMIN_LOGIN_PATH} if is_admin else {LOGIN_PATH}
        if response.status_code != 302 or location not in allowed:
            problems.append(
                f"{method.upper()} {url} ({name}): {response.status_code} "
                f"-> {response.get('Location', '-')}"
            )
    assert not problems, "Anonymous requests must go to the login page:\n" + "\n".join(problems)


@pytest.mark.django_db
def test_public_pages_answer_anonymously(client):
    for url, name, _ in project_urls():
        if name in PUBLIC_URL_NAMES:
            response = client.get(url)
            want = 404 if name in PUBLIC_NOT_FOUND_FOR_SAMPLE else 200
            assert response.status_code == want, (url, response.status_code)
