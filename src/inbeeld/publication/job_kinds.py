"""The publication's background jobs: the evaluation and monitor reports as PDF (issue 14 item 16,
issue 15 item 2) and the microdata files (the XLSX of a million cases takes a minute). The worker makes the file with the same code as `inbeeld report`; handing it over
is a release, audited by publication.release when the user fetches it."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inbeeld import policy
from inbeeld.jobs.registry import JobKind, JobOutput, register
from inbeeld.publication import reports
from inbeeld.publication.release import ReleaseKind, release_record

SCOPE_LABEL = "landelijk, alleen casussen met toestemming voor onderzoek"


def _pdf(report: reports.Report, step) -> JobOutput:
    data = report.pdf()
    step(_("opgemaakt als PDF"))
    return JobOutput(data, f"{report.filename_stem}.pdf", "application/pdf")


def _evaluation_steps(params: dict) -> int:
    from inbeeld.analysis.evaluation import intervention_specs

    return len(intervention_specs()) + 3


def _evaluation(user, params: dict, step) -> JobOutput:
    from inbeeld.analysis.evaluation import evaluation_for

    result = evaluation_for(user)
    step(_("evaluatie berekend"))
    report = reports.evaluation_report(result, scope_label=SCOPE_LABEL, progress=step)
    return _pdf(report, step)


def _monitor(user, params: dict, step) -> JobOutput:
    from inbeeld.publication.monitor_report import monitor_report_for

    return _pdf(monitor_report_for(user, scope_label=SCOPE_LABEL, progress=step), step)


def _released(subject: str):
    def released(user, job) -> None:
        release_record(
            user=user,
            kind=ReleaseKind.REPORT,
            subject_ref=subject,
            extra={"format": "pdf", "bytes": job.result_bytes, "job": str(job.pk)},
        )

    return released


EVALUATION_PDF = JobKind(
    code="evaluation_pdf",
    label=gettext_lazy("Evaluatierapport (PDF)"),
    action=policy.Action.EVALUATION_READ,
    run=_evaluation,
    released=_released("evaluation"),
    steps=_evaluation_steps,
    back_url="reports:index",
)
MONITOR_PDF = JobKind(
    code="monitor_pdf",
    label=gettext_lazy("Monitorrapport (PDF)"),
    action=policy.Action.MONITOR_READ,
    run=_monitor,
    released=_released("monitor"),
    steps=lambda params: 7,
    back_url="reports:index",
)


def _microdata(format: str):
    def run(user, params: dict, step) -> JobOutput:
        from inbeeld.publication.exports import build_microdata

        step(_("gegevens geladen en beschermd"))
        built = build_microdata(actor=user, format=format)
        file = built.file
        return JobOutput(file.content, file.filename, file.content_type, built.release_extra)

    def released(user, job) -> None:
        from inbeeld.publication.exports import microdata_released

        microdata_released(actor=user, format=format, extra=job.result_meta)

    return run, released


MICRODATA_LABELS = {
    "csv": gettext_lazy("Microdata (CSV)"),
    "xlsx": gettext_lazy("Microdata (Excel, XLSX)"),
    "sav": gettext_lazy("Microdata (SPSS, .sav)"),
    "ctdc": gettext_lazy("Microdata (CTDC/HTCDS, CSV)"),
}


def microdata_kind(format: str) -> str:
    return f"microdata_{format}"


def register_all() -> None:
    register(EVALUATION_PDF)
    register(MONITOR_PDF)
    for format, label in MICRODATA_LABELS.items():
        run, released = _microdata(format)
        register(
            JobKind(
                code=microdata_kind(format),
                label=label,
                action=policy.Action.EXPORT_MICRODATA,
                run=run,
                released=released,
                steps=lambda params: 2,
                back_url="reports:microdata_page",
            )
        )
