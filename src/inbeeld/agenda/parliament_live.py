"""The live connector to the Tweede Kamer's open data (issue 18, item 3; ADR 0024), off unless
INBEELD_PARLIAMENT_ODATA_URL is set. It asks the OData v4 service for the pages about
trafficking — dossier 28638 and the subject words — per entity, follows ``@odata.nextLink`` (only
on the same host) or pages with ``$skip`` when the service gives no link, and hands every page to
``parliament_import`` exactly as a saved file: the same keys, the same audit row per page."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from inbeeld.agenda.parliament import DOSSIER, TERMS, ImportCounts, parliament_import

PAGE_SIZE = 250  # the service's own maximum page
MAX_PAGES = 400  # per entity: a runaway feed stops with a message instead of looping
MAX_PAGE_BYTES = 50 * 1024 * 1024

_IN_DOSSIER = f"Kamerstukdossier/any(d: d/Nummer eq {DOSSIER})"


def _words(field: str) -> str:
    return " or ".join(f"contains({field}, '{term}')" for term in TERMS)


# entity → (OData $filter, $expand); Kamerstukdossier first so the others find their dossier.
QUERIES: dict[str, tuple[str, str]] = {
    "Kamerstukdossier": (f"Nummer eq {DOSSIER}", ""),
    "Zaak": (f"{_IN_DOSSIER} or {_words('Onderwerp')}", "Kamerstukdossier"),
    "Besluit": (f"Zaak/any(z: z/{_IN_DOSSIER})", "Zaak($select=Id)"),
    "Stemming": (f"Besluit/Zaak/any(z: z/{_IN_DOSSIER})", ""),
    "Document": (f"{_IN_DOSSIER} or {_words('Onderwerp')}", "Kamerstukdossier"),
    "Toezegging": (_words("Tekst"), ""),
}


@dataclass(frozen=True)
class LiveResult:
    pages: int
    counts: ImportCounts  # summed over all pages


def _url(root: str, entity: str, skip: int, page_size: int) -> str:
    where, expand = QUERIES[entity]
    query = f"$filter={quote(where)}&$top={page_size}&$skip={skip}&$orderby=Id"
    if expand:
        query += f"&$expand={quote(expand)}"
    return f"{root}/{entity}?{query}"


def _get(session: requests.Session, url: str, timeout: float) -> bytes:
    try:
        response = session.get(
            url, timeout=timeout, headers={"Accept": "application/json"}, stream=True
        )
        body = response.raw.read(MAX_PAGE_BYTES + 1, decode_content=True)
    except requests.RequestException as exc:
        raise ValidationError(
            _("De open data van de Tweede Kamer is niet bereikbaar (%(e)s).")
            % {"e": type(exc).__name__}
        ) from exc
    if response.status_code != 200:
        raise ValidationError(
            _("De open data van de Tweede Kamer antwoordde met status %(s)s op %(u)s.")
            % {"s": response.status_code, "u": url}
        )
    if len(body) > MAX_PAGE_BYTES:
        raise ValidationError(_("Een pagina van de Tweede Kamer is te groot om in te lezen."))
    return body


def _next_link(body: bytes) -> str | None:
    try:
        link = json.loads(body.decode("utf-8")).get("@odata.nextLink")
    except (ValueError, AttributeError):
        return None
    return str(link) if link else None


def _page_length(body: bytes) -> int:
    try:
        return len(json.loads(body.decode("utf-8")).get("value") or [])
    except (ValueError, AttributeError, TypeError):
        return 0


def live_import(
    *,
    actor,
    root: str | None = None,
    timeout: float | None = None,
    page_size: int = PAGE_SIZE,
    entities: tuple[str, ...] = tuple(QUERIES),
) -> LiveResult:
    root = (root if root is not None else settings.INBEELD_PARLIAMENT_ODATA_URL).rstrip("/")
    if not root:
        raise ValidationError(
            _("De koppeling met de Tweede Kamer staat uit: INBEELD_PARLIAMENT_ODATA_URL is leeg.")
        )
    timeout = timeout if timeout is not None else settings.INBEELD_PARLIAMENT_TIMEOUT
    origin = urlsplit(root)[:2]
    totals = [0, 0, 0, 0, 0]
    pages = 0
    with requests.Session() as session:
        for entity in entities:
            url: str | None = _url(root, entity, 0, page_size)
            skip = 0
            for _page in range(MAX_PAGES):
                if url is None:
                    break
                body = _get(session, url, timeout)
                counts = parliament_import(actor=actor, data=body, entity=entity)
                pages += 1
                for i, value in enumerate(counts.__dict__.values()):
                    totals[i] += value
                link = _next_link(body)
                if link is not None and urlsplit(link)[:2] != origin:
                    raise ValidationError(
                        _("De volgende pagina ligt op een andere server (%(u)s); gestopt.")
                        % {"u": link}
                    )
                skip += page_size
                if link is not None:
                    url = link
                elif _page_length(body) >= page_size:
                    url = _url(root, entity, skip, page_size)
                else:
                    url = None
            else:
                raise ValidationError(
                    _("Meer dan %(n)s pagina's voor %(e)s; gestopt.")
                    % {"n": MAX_PAGES, "e": entity}
                )
    return LiveResult(pages, ImportCounts(*totals))
