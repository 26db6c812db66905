"""Writes of the bulk import: check a file (upload + dry run), commit it, cancel it.

import_check  — reads the file, validates every row (schema, then the services inside
                transactions that are rolled back) and stores the import with its encrypted file,
                its problems, its counts and the dry-run report. Writes nothing else but the
                import row and its audit row.
import_commit — applies the rows through the services: mode "all" in one transaction (any
                problem: nothing), mode "row" in batches of whole groups, each batch one
                transaction that also moves the progress counter. A killed commit leaves whole
                batches; running it again resumes idempotently (ImportedRecord).
import_cancel — ends an import that has not been committed.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections import Counter
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from inbeeld import policy
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record
from inbeeld.crypto import decrypt_text, encrypt_text
from inbeeld.imports import apply as rows_apply
from inbeeld.imports import bulk
from inbeeld.imports.columns import TEMPLATES, header_map, normalise_header
from inbeeld.imports.models import (
    ACTIVE_STATUSES,
    TRANSITIONS,
    ImportKind,
    ImportMode,
    ImportRun,
    ImportStatus,
)
from inbeeld.imports.reading import ImportFileError, Table, read_table
from inbeeld.imports.report import report_file
from inbeeld.imports.schemas import frame_of, validate

MAX_PROBLEMS_STORED = 5000

ACTIONS = {
    ImportKind.CASES: policy.Action.IMPORT_CASES,
    ImportKind.SIGNALS: policy.Action.IMPORT_SIGNALS,
}


class ImportRefused(Exception):
    """The import cannot go on; ``message`` is Dutch, ``code`` an error code."""

    def __init__(self, message: str, code: str = "geweigerd"):
        super().__init__(message)
        self.message, self.code = message, code


def import_organisation(user, kind: str):
    """The organisation ``user`` imports ``kind`` for (their first membership that may), or None."""
    memberships = policy.memberships_for(user, ACTIONS[kind])
    return memberships[0].organisation if memberships else None


def active_import(organisation) -> ImportRun | None:
    return ImportRun.objects.filter(organisation=organisation, status__in=ACTIVE_STATUSES).first()


def _pack(data: bytes) -> str:
    return encrypt_text(base64.b64encode(data).decode("ascii"))


def unpack(ciphertext: str) -> bytes:
    return base64.b64decode(decrypt_text(ciphertext)) if ciphertext else b""


def _move(run: ImportRun, status: str, **fields) -> None:
    if status not in TRANSITIONS[run.status]:
        raise ImportRefused(_("Deze import kan niet meer worden gewijzigd."), "status")
    run.status = status
    for name, value in fields.items():
        setattr(run, name, value)
    run.save(update_fields=["status", *fields])


def positions_of(kind: str, table: Table) -> dict[str, int]:
    """Template column → index in the file; refuses a file that lacks a required column."""
    aliases = header_map(kind)
    positions: dict[str, int] = {}
    for index, name in enumerate(table.header):
        canonical = aliases.get(normalise_header(name))
        if canonical and canonical not in positions:
            positions[canonical] = index
    missing = [c.name for c in TEMPLATES[kind] if c.required and c.name not in positions]
    if missing:
        raise ImportFileError(
            _("Deze verplichte kolommen ontbreken: %(columns)s. Gebruik het sjabloon.")
            % {"columns": ", ".join(missing)},
            "kolom_ontbreekt",
        )
    return positions


def unknown_columns(kind: str, table: Table) -> list[str]:
    aliases = header_map(kind)
    return [n for n in table.header if n and normalise_header(n) not in aliases]


class _Rollback(Exception):
    pass


def _process(
    run: ImportRun, user, table: Table, *, commit: bool, mode: str, progress=None, per_row=False
):
    """Validate (and on ``commit`` apply) every row; returns (outcomes, messages, problems).
    ``per_row``: every record through its own service call (the path before the set-based one,
    kept for new dossiers only for comparison: tests and the benchmark)."""
    kind = run.kind
    frame = frame_of(kind, table.header, table.rows, positions_of(kind, table))
    good, problems = validate(kind, frame)
    outcomes: dict[int, str] = {}
    messages: dict[int, str] = {}
    for problem in problems:
        outcomes[problem.row] = rows_apply.ERROR
        messages.setdefault(problem.row, problem.reason)
    ctx = rows_apply.Context(user=user, organisation=run.organisation, run=run)
    groups = rows_apply.groups_of(kind, good.to_dicts())

    def absorb(results: list[rows_apply.GroupResult]) -> None:
        for result in results:
            problems.extend(result.problems)
            for row, outcome in result.outcomes.items():
                outcomes[row] = (
                    outcome if outcomes.get(row) != rows_apply.ERROR else rows_apply.ERROR
                )
            for row, message in result.messages.items():
                messages.setdefault(row, message)

    def apply(batch) -> list[rows_apply.GroupResult]:
        if per_row:
            return [rows_apply.apply_group(ctx, kind, key, rows) for key, rows in batch]
        return bulk.apply_batch(ctx, kind, batch, write=commit)

    if commit and mode == ImportMode.ALL:
        if problems:
            return _all_rolled_back(table, outcomes, messages, problems)
        try:
            with transaction.atomic():
                for batch in _batches(groups):
                    absorb(apply(batch))
                if problems:
                    raise _Rollback
                ImportRun.objects.filter(pk=run.pk).update(rows_done=len(table.rows))
        except _Rollback:
            return _all_rolled_back(table, outcomes, messages, problems)
        if progress:
            progress(len(table.rows), len(table.rows))
        return outcomes, messages, problems

    done = 0
    for batch in _batches(groups):
        size = sum(len(rows) for _key, rows in batch)
        try:
            with transaction.atomic():
                absorb(apply(batch))
                if commit:
                    ImportRun.objects.filter(pk=run.pk).update(rows_done=F("rows_done") + size)
                else:
                    raise _Rollback  # a dry run: nothing of the batch stays
        except _Rollback:
            pass
        done += size
        if progress:
            progress(done, len(good))
    return outcomes, messages, problems


def _all_rolled_back(table, outcomes, messages, problems):
    rolled = {
        i + 2: (rows_apply.ERROR if outcomes.get(i + 2) == rows_apply.ERROR else "rolled_back")
        for i in range(len(table.rows))
    }
    note = _("Niet ingevoerd: het bestand bevat fouten en u koos 'alles of niets'.")
    for row, outcome in rolled.items():
        if outcome != rows_apply.ERROR:
            messages[row] = note
    return rolled, messages, problems


def _batches(groups):
    """Groups in batches of about INBEELD_IMPORT_BATCH_ROWS rows (a case's rows never split)."""
    limit = max(1, settings.INBEELD_IMPORT_BATCH_ROWS)
    batch, size = [], 0
    for group in groups:
        batch.append(group)
        size += len(group[1])
        if size >= limit:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _counts(outcomes: dict[int, str], problems) -> dict:
    counted = Counter(outcomes.values())
    return {
        "create": counted.get(rows_apply.CREATE, 0),
        "update": counted.get(rows_apply.UPDATE, 0),
        "unchanged": counted.get(rows_apply.UNCHANGED, 0),
        "error": counted.get(rows_apply.ERROR, 0),
        "rolled_back": counted.get("rolled_back", 0),
        "problems": len(problems),
    }


def _store_upload(*, actor, kind: str, file_name: str, data: bytes) -> tuple[ImportRun, Table]:
    """Read ``data`` and store it (encrypted) as a new import of the actor's organisation.
    Raises ImportRefused (no right, another import of the organisation still open) or
    ImportFileError (the file cannot be read)."""
    if kind not in ImportKind.values:
        raise ImportRefused(_("Kies wat u importeert: casussen of signalen."), "soort")
    organisation = import_organisation(actor, kind)
    if organisation is None:
        raise PermissionDenied(_("U mag geen bestanden importeren."))
    table = read_table(data, file_name)
    positions_of(kind, table)  # refuses a file without the required columns before storing it
    run = ImportRun(
        kind=kind,
        organisation=organisation,
        created_by=actor,
        file_name=file_name[:200],
        file_format=table.file_format,
        file_sha256=hashlib.sha256(data).hexdigest(),
        upload_ciphertext=_pack(data),
        rows_total=len(table.rows),
    )
    try:
        with transaction.atomic():
            run.save()
    except IntegrityError as exc:
        raise ImportRefused(
            _(
                "Er staat al een import van uw organisatie open. Voer die in of annuleer die "
                "eerst (Importeren → openstaande import)."
            ),
            "import_loopt_al",
        ) from exc
    return run, table


def _dry_run(
    run: ImportRun, actor, table: Table, *, progress=None, per_row: bool = False
) -> ImportRun:
    """The dry run of a stored import: every row checked, nothing written but the import's
    counts, problems, report and its audit row (not when the import was cancelled meanwhile)."""
    outcomes, messages, problems = _process(
        run, actor, table, commit=False, mode="", progress=progress, per_row=per_row
    )
    with transaction.atomic():
        run.counts = {
            **_counts(outcomes, problems),
            "unknown_columns": unknown_columns(run.kind, table),
        }
        run.set_problems([p.as_dict() for p in problems[:MAX_PROBLEMS_STORED]])
        run.report_ciphertext = _pack(report_file(table, outcomes, messages, dry=True))
        stored = ImportRun.objects.filter(pk=run.pk, status=ImportStatus.CHECKED).update(
            counts=run.counts,
            problems_ciphertext=run.problems_ciphertext,
            report_ciphertext=run.report_ciphertext,
        )
        if not stored:  # cancelled while it was being checked
            run.refresh_from_db()
            return run
        audit_record(
            actor=actor,
            action=AuditAction.IMPORT_CHECKED,
            subject_type="import",
            subject_ref=str(run.pk),
            extra={"kind": run.kind, "rows": run.rows_total, "counts": run.counts},
        )
    return run


def import_check(
    *,
    actor,
    kind: str,
    file_name: str,
    data: bytes,
    progress: Callable | None = None,
    per_row: bool = False,
) -> ImportRun:
    """Upload ``data`` and run the dry run now. Raises ImportRefused (no right, another import
    of the organisation still open) or ImportFileError (the file cannot be read)."""
    run, table = _store_upload(actor=actor, kind=kind, file_name=file_name, data=data)
    return _dry_run(run, actor, table, progress=progress, per_row=per_row)


def import_upload(*, actor, kind: str, file_name: str, data: bytes) -> ImportRun:
    """The web's upload: a file of at most INBEELD_IMPORT_CHECK_IN_REQUEST_ROWS rows is checked
    at once (import_check); a larger one is stored and its dry run handed to the worker (a
    background job with progress, ``import_check_<kind>``). The file is read in the request
    either way, so an unreadable file is refused at once."""
    from inbeeld.jobs.services import job_request

    run, table = _store_upload(actor=actor, kind=kind, file_name=file_name, data=data)
    if len(table.rows) <= settings.INBEELD_IMPORT_CHECK_IN_REQUEST_ROWS:
        return _dry_run(run, actor, table)
    with transaction.atomic():
        job = job_request(
            actor=actor,
            kind=f"import_check_{run.kind}",
            params={"run": run.pk, "rows": run.rows_total},
        )
        ImportRun.objects.filter(pk=run.pk).update(job_id=job.pk)
        run.job_id = job.pk
    return run


def import_check_queued(*, actor, run: ImportRun, progress: Callable | None = None) -> ImportRun:
    """The worker's dry run of an upload that import_upload queued."""
    if run.created_by_id != actor.pk or import_organisation(actor, run.kind) != run.organisation:
        raise PermissionDenied(_("U mag geen bestanden importeren."))
    if run.status != ImportStatus.CHECKED or run.is_checked:
        return run
    table = read_table(unpack(run.upload_ciphertext), run.file_name)
    return _dry_run(run, actor, table, progress=progress)


def import_commit(
    *,
    actor,
    run: ImportRun,
    mode: str,
    progress: Callable | None = None,
    per_row: bool = False,
) -> ImportRun:
    """Apply the rows of ``run`` through the services (see the module's docstring)."""
    if mode not in ImportMode.values:
        raise ImportRefused(_("Kies 'alles of niets' of 'per rij'."), "manier")
    if run.created_by_id != actor.pk:
        raise PermissionDenied(_("Alleen wie het bestand uploadde, kan het invoeren."))
    if import_organisation(actor, run.kind) != run.organisation:
        raise PermissionDenied(_("U mag geen bestanden importeren."))
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        if run.status == ImportStatus.COMMITTING and run.mode and run.mode != mode:
            raise ImportRefused(_("Deze import wordt al op een andere manier ingevoerd."), "manier")
        _move(run, ImportStatus.COMMITTING, mode=mode, rows_done=0)
    data = unpack(run.upload_ciphertext)
    table = read_table(data, run.file_name)
    outcomes, messages, problems = _process(
        run, actor, table, commit=True, mode=mode, progress=progress, per_row=per_row
    )
    counts = _counts(outcomes, problems)
    with transaction.atomic():
        run.refresh_from_db()
        failed = (
            mode == ImportMode.ALL
            and counts["rolled_back"] + counts["error"] > 0
            and not (counts["create"] or counts["update"] or counts["unchanged"])
        )
        run.set_problems([p.as_dict() for p in problems[:MAX_PROBLEMS_STORED]])
        _move(
            run,
            ImportStatus.FAILED if failed else ImportStatus.DONE,
            counts=counts,
            problems_ciphertext=run.problems_ciphertext,
            report_ciphertext=_pack(report_file(table, outcomes, messages, dry=False)),
            report_is_final=True,
            finished_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.IMPORT_COMMITTED,
            subject_type="import",
            subject_ref=str(run.pk),
            extra={"kind": run.kind, "mode": mode, "counts": counts},
        )
    return run


def import_cancel(*, actor, run: ImportRun) -> ImportRun:
    if run.created_by_id != actor.pk and import_organisation(actor, run.kind) != run.organisation:
        raise PermissionDenied(_("U mag deze import niet annuleren."))
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        if run.status == ImportStatus.COMMITTING and not _job_failed(run):
            raise ImportRefused(
                _("Deze import wordt nu ingevoerd en kan niet meer worden geannuleerd."), "status"
            )
        _move(run, ImportStatus.CANCELLED, finished_at=timezone.now())
        audit_record(
            actor=actor,
            action=AuditAction.IMPORT_CANCELLED,
            subject_type="import",
            subject_ref=str(run.pk),
            extra={"kind": run.kind},
        )
    return run


def _job_failed(run: ImportRun) -> bool:
    """Whether the worker's job of ``run`` failed (then the import may be cancelled; a commit
    killed from the command line is resumed with the same command instead)."""
    from inbeeld.jobs.models import Job, JobStatus

    if not run.job_id:
        return False
    return Job.objects.filter(pk=run.job_id, status=JobStatus.FAILED).exists()


def import_report(*, actor, run: ImportRun) -> tuple[bytes, str, str]:
    """The report file of ``run`` (decrypted) with its file name and content type; audited."""
    from inbeeld.imports.report import CONTENT_TYPES

    if import_organisation(actor, run.kind) != run.organisation:
        raise PermissionDenied(_("U mag dit verslag niet downloaden."))
    if not run.report_ciphertext:
        raise ImportRefused(
            _("Het verslag is er niet meer (bewaartermijn verstreken)."), "verslag_weg"
        )
    data = unpack(run.report_ciphertext)
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT_REPORT_READ,
        subject_type="import",
        subject_ref=str(run.pk),
        extra={"final": run.report_is_final},
    )
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", run.file_name.rsplit(".", 1)[0])[:80] or "import"
    name = f"{stem}-verslag.{run.file_format}"
    return data, name, CONTENT_TYPES[run.file_format]


def runs_visible_to(user):
    """The imports of the organisations ``user`` imports for, newest first."""
    organisations = {
        m.organisation_id
        for action in ACTIONS.values()
        for m in policy.memberships_for(user, action)
    }
    return ImportRun.objects.filter(organisation_id__in=organisations).select_related("created_by")


def validation_error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def import_queue(*, actor, run: ImportRun, mode: str):
    """Hand the commit of ``run`` to the worker (a background job with progress). The import
    moves to "committing" at once, so it can no longer be cancelled or committed twice."""
    from inbeeld.jobs.services import job_request

    if mode not in ImportMode.values:
        raise ImportRefused(_("Kies 'alles of niets' of 'per rij'."), "manier")
    if run.created_by_id != actor.pk:
        raise PermissionDenied(_("Alleen wie het bestand uploadde, kan het invoeren."))
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        if run.status != ImportStatus.CHECKED:
            raise ImportRefused(_("Deze import is al ingevoerd of geannuleerd."), "status")
        if not run.is_checked:
            raise ImportRefused(
                _("De proefimport loopt nog. Voer in zodra het resultaat er is."), "proefimport"
            )
        job = job_request(
            actor=actor,
            kind=f"import_{run.kind}",
            params={"run": run.pk, "mode": mode, "rows": run.rows_total},
        )
        _move(run, ImportStatus.COMMITTING, mode=mode, job_id=job.pk)
    return run, job
