"""Audit values in Dutch for the privacy officer's pages (issue 14, item 10).

The audit log stores stable codes (subject types, policy actions, keys of ``extra``) so that the
chain and the queries never depend on a translation. These tables turn them into words at display
time. A code that is not listed is shown as it is, so nothing is ever hidden; the test
tests/oversight/test_audit_labels.py checks that every code the application writes is listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from inbeeld.accounts.sso_models import Failure

SUBJECT_TYPES = {
    "agenda_report": _("agendarapport"),
    "audit_checkpoint": _("controlepunt auditketen"),
    "audit_log": _("auditlog"),
    "backup": _("back-up"),
    "break_glass": _("noodtoegang"),
    "case": _("casus"),
    "case_access": _("toegangsgeschiedenis casus"),
    "case_list": _("casuslijst"),
    "chain_event": _("ketengebeurtenis"),
    "change_request": _("wijzigingsverzoek"),
    "command": _("beheeropdracht"),
    "crypto": _("sleutels"),
    "ctdc": _("CTDC-bestand"),
    "data_use_agreement": _("gebruiksvoorwaarden"),
    "delivery": _("uitvoering interventie"),
    "deployment": _("inzet interventie"),
    "intake_link": _("meldlink"),
    "measure": _("meting"),
    "membership": _("lidmaatschap"),
    "milestone": _("mijlpaal van een aanbeveling"),
    "microdata_policy": _("drempel microdata"),
    "organisation": _("organisatie"),
    "identity_provider": _("identiteitsprovider (SSO)"),
    "import": _("import uit een bestand"),
    "api_client": _("API-koppeling"),
    "page": _("pagina"),
    "parliament_data": _("Kamergegevens (open data)"),
    "parliament_link": _("Kamernummer (handmatig gekoppeld)"),
    "privacy_budget": _("privacybudget"),
    "publication": _("publicatie (agenda)"),
    "receipt": _("ontvangstcode"),
    "recommendation": _("aanbeveling"),
    "reference": _("referentiegegevens"),
    "retention": _("bewaartermijnen"),
    "signal": _("signaal"),
    "user": _("gebruiker"),
    "suspect": _("verdachte"),
    "suspect_link": _("koppeling verdachte aan casus"),
    "suspect_proceeding": _("vervolgingsstap verdachte"),
    "non_punishment": _("non-punishment"),
    "modus_operandi": _("modus operandi"),
    "safety_fact": _("veiligheidsfeit"),
}

# What a read was for: the policy action the page asked for (policy_tables.Action).
PURPOSES = {
    "case.list": _("casuslijst bekeken"),
    "case.view": _("casus bekeken"),
    "case.create": _("casus registreren"),
    "case.set_court": _("formulier rechtbank instellen"),
    "event.record": _("formulier gebeurtenis vastleggen"),
    "event.correct": _("formulier correctie of intrekking"),
    "note.read": _("notities lezen"),
    "note.write": _("notitie schrijven"),
    "case.break_glass": _("noodtoegang"),
    "import.cases": _("casussen importeren"),
    "import.signals": _("signalen importeren"),
    "agenda.read": _("agenda lezen"),
    "agenda.manage": _("agenda bijhouden"),
    "agenda.code": _("mijlpalen coderen"),
    "case.linkage_add": _("formulier koppelsleutel"),
    "case.consent_record": _("formulier toestemming onderzoek"),
    "pilot.delivery_record": _("formulier uitvoering interventie"),
    "pilot.measure_record": _("formulier meting"),
    "pilot.read": _("pilot bekeken"),
    "pilot.manage": _("pilot beheren"),
    "audit.read": _("auditlog lezen"),
    "audit.break_glass_review": _("noodtoegang beoordelen"),
    "platform.administer": _("beheer"),
    "signal.submit": _("signaal indienen"),
    "signal.own_read": _("eigen signaal bekeken"),
    "signal.triage": _("signaal beoordelen"),
    "signal.link_manage": _("meldlinks beheren"),
    "signal.funnel": _("signaaltrechter bekeken"),
    "evaluation.read": _("evaluatie bekeken"),
    "monitor.read": _("monitor bekeken"),
    "publication.export_microdata": _("microdata exporteren"),
    "publication.dp_release": _("cijfers vrijgeven"),
    "platform.approval_decide": _("goedkeuren (vier ogen)"),
    "suspect.view": _("verdachten bekeken"),
    "suspect.count": _("aantal verdachten bekeken"),
    "suspect.link": _("formulier verdachte koppelen"),
    "suspect.proceeding_record": _("formulier vervolging verdachte"),
    "case.non_punishment_record": _("formulier non-punishment"),
}

EXTRA_KEYS = {
    # The agenda register (agenda.services): the coder's number (1 or 2), the rung coded or
    # recorded, the publication a recommendation belongs to.
    "agreement": _("codeur"),
    # The parliament import's counts (agenda.parliament).
    "added": _("nieuw"),
    "versions": _("gewijzigd"),
    "unchanged": _("al aanwezig"),
    "relevant": _("over mensenhandel"),
    "skipped": _("overgeslagen (andere soort)"),
    # A parliamentary number CKM staff marked as relevant by hand (agenda.services).
    "parliament_number": _("Kamernummer"),
    "publication": _("publicatie"),
    "rung": _("trede"),
    "account_created": _("account aangemaakt"),
    # The bulk import (imports.services): counts per outcome, the chosen way of committing,
    # whether the report was the final one, a job file that is only a summary.
    "counts": _("aantallen"),
    "tables": _("tabellen"),
    "final": _("definitief verslag"),
    "mode": _("manier van invoeren"),
    "summary": _("alleen een samenvatting"),
    "action": _("doel"),
    "approval": _("goedkeuring"),
    "archive_sha256": _("controlegetal archief"),
    "backup_created_at": _("back-up gemaakt op"),
    "backup_id": _("back-up"),
    "break_glass": _("noodtoegang"),
    "bytes": _("grootte (bytes)"),
    "cases": _("casussen"),
    "cells": _("cellen"),
    "chains": _("ketens"),
    "claim": _("claim"),
    "client_secret": _("clientgeheim"),
    "columns": _("kolommen"),
    "dataset": _("gegevensset"),
    "job": _("taak op de achtergrond"),
    "deleted_with_it": _("mee verwijderd"),
    "disclosure_control": _("onthullingscontrole"),
    "email_notifications": _("e-mailmeldingen"),
    "epsilon": _("epsilon"),
    "epsilon_total": _("epsilon totaal"),
    "events": _("gebeurtenissen"),
    "expires_at": _("geldig tot"),
    "file": _("bestand"),
    "file_sha256": _("controlegetal bestand"),
    "filename": _("bestandsnaam"),
    "filters": _("filters"),
    "format": _("formaat"),
    "found": _("gevonden"),
    "generation": _("generatie"),
    "grant": _("noodtoegang"),
    "horizon": _("horizon"),
    "ip": _("IP-adres"),
    "kind": _("soort"),
    "label": _("omschrijving"),
    "last_id": _("laatste regel"),
    "limit": _("limiet"),
    "link": _("link"),
    "max_hours": _("maximaal aantal uren"),
    "mechanism": _("mechanisme"),
    "method": _("methode"),
    "new": _("nieuw"),
    # Issue 16: the partner system through which the user acted, and the API's own rows.
    "api_client": _("via API-koppeling"),
    "id": _("nummer"),
    "name": _("naam"),
    "key": _("sleutel (kenmerk)"),
    "scopes": _("rechten"),
    "acting_user": _("werkt namens"),
    "note_changed": _("notitie gewijzigd"),
    "object": _("object"),
    "old": _("oud"),
    "operator": _("uitvoerder"),
    "organisation": _("organisatie"),
    "page": _("pagina"),
    "path": _("adres"),
    "pending_approval": _("wacht op goedkeuring"),
    "police_unit": _("eenheid"),
    "provider": _("identiteitsprovider"),
    "provider_mfa": _("tweede factor door de provider"),
    "query": _("zoekvraag"),
    "reason": _("reden"),
    "requested_by": _("aangevraagd door"),
    "restored_last_id": _("laatste teruggezette regel"),
    "rows": _("rijen"),
    "seed": _("startwaarde"),
    "sensitivity": _("gevoeligheid"),
    "sent_to": _("verstuurd aan"),
    "seq": _("volgnummer"),
    "series": _("reeks"),
    "sha256": _("controlegetal"),
    "shown": _("getoond"),
    "source": _("bron"),
    "spent": _("verbruikt"),
    "sso_reason": _("reden"),
    "stage": _("stap"),
    "status": _("status"),
    "subject_user": _("betreft gebruiker"),
    "target": _("doel"),
    "total": _("totaal"),
    "user": _("gebruiker"),
    "username": _("gebruikersnaam"),
    "version": _("versie"),
}

VALUES = {True: _("ja"), False: _("nee"), None: "–"}

# Coded values of some keys, in Dutch: why an SSO login was refused, where a second factor came
# from, what became of a client secret.
CODED_VALUES = {
    "sso_reason": dict(Failure.choices),
    "source": {
        "identity_provider": _("de identiteitsprovider van de organisatie"),
        "totp": _("authenticator-app (InBeeld)"),
    },
    "client_secret": {"changed": _("gewijzigd"), "unchanged": _("ongewijzigd")},
}

MAX_VALUE_LENGTH = 120


@dataclass(frozen=True)
class Detail:
    label: str
    value: str


def subject_label(subject_type: str) -> str:
    return str(SUBJECT_TYPES.get(subject_type, subject_type))


def _value(key: str, value) -> str:
    if isinstance(value, bool) or value is None:
        return str(VALUES[value])
    if key == "action" and isinstance(value, str):
        return str(PURPOSES.get(value, value))
    if key in CODED_VALUES and isinstance(value, str):
        return str(CODED_VALUES[key].get(value, value))
    if isinstance(value, Mapping):
        return "; ".join(f"{EXTRA_KEYS.get(k, k)}: {_value(k, v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_value(key, v) for v in value)
    text = str(value)
    return text if len(text) <= MAX_VALUE_LENGTH else text[: MAX_VALUE_LENGTH - 1] + "…"


def extra_details(extra: Mapping) -> list[Detail]:
    """The ``extra`` of one audit row as Dutch label/value pairs, in stored order."""
    if not isinstance(extra, Mapping):
        return []
    return [Detail(str(EXTRA_KEYS.get(k, k)), _value(k, v)) for k, v in extra.items()]
