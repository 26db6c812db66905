"""Submit the real admin's forms as a browser would: read the page, change some fields, post.

``form_data(html)`` collects the fields of the admin's change form (inputs, checked boxes,
selected options, text areas) exactly as the page renders them, so a test changes only what the
attack changes and everything else is posted back as it was.
"""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.in_form = False
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("id", "").endswith("_form")):
            self.in_form = True
            return
        if not self.in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "image", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            self.data.setdefault(name, []).append(a.get("value") or default)
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.data.setdefault(self._textarea, []).append("".join(self._text).lstrip("\n"))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)


def form_data(html: str) -> dict[str, list[str]]:
    reader = _FormReader()
    reader.feed(html)
    return {
        name: values
        for name, values in reader.data.items()
        if values != [] and "__prefix__" not in name
    }


def resubmit(client, url: str, changes: dict | None = None, drop: tuple[str, ...] = ()):
    """GET ``url``, apply ``changes`` (name → value or list of values; None removes), POST."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    data = form_data(page.content.decode())
    for name in drop:
        data.pop(name, None)
    for name, value in (changes or {}).items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = (
                [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
            )
    return client.post(url, data)


def add_inline_row(client, url: str, prefix: str, row: dict, changes: dict | None = None):
    """POST the change form at ``url`` with one extra inline row (``prefix``-N-field)."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    data = form_data(page.content.decode())
    total = int(data[f"{prefix}-TOTAL_FORMS"][0])
    data[f"{prefix}-TOTAL_FORMS"] = [str(total + 1)]
    for name, value in row.items():
        data[f"{prefix}-{total}-{name}"] = [str(value)]
    for name, value in (changes or {}).items():
        data[name] = [str(value)]
    return client.post(url, data)
