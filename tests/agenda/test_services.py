"""The agenda's writes: policy first, append-only, the ladder as it would be after the change,
evidence required, documents encrypted, two coders and a third who decides; an audit row each."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from inbeeld.accounts.models import Role
from inbeeld.agenda import selectors, services
from inbeeld.agenda.models import Milestone, MilestoneDocument, Recommendation
from inbeeld.audit.models import AppendOnlyError, AuditEvent
from tests.agenda import helpers
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_a_researcher_registers_a_publication_and_numbered_recommendations_audited():
    actor = helpers.researcher()
    pub = helpers.publication(actor)
    first = helpers.recommendation(actor, pub)
    second = helpers.recommendation(actor, pub, text="Neem dreiging serieus.")
    assert (first.number, second.number) == (1, 2)
    assert first.issued_on == pub.published_on
    assert pub.project.title == "Aangiftebereidheid seksuele uitbuiting"
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-3:] == ["agenda.publication", "agenda.recommendation", "agenda.recommendation"]
    # A second publication of the same project reuses the project.
    other = helpers.publication(actor, title="Vervolg")
    assert other.project_id == pub.project_id


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.RESEARCHER])
def test_nobody_but_the_researcher_writes(role):
    actor = make_user(role)
    with pytest.raises(PermissionDenied):
        helpers.publication(actor)
    rec = helpers.recommendation(helpers.researcher())
    with pytest.raises(PermissionDenied):
        services.recommendation_withdraw(
            actor=actor, recommendation=rec, reason="mistake", explanation="x"
        )
    milestone = helpers.milestone(helpers.researcher(), rec, "debate", dt.date(2019, 1, 1))
    with pytest.raises(PermissionDenied):
        services.milestone_code(
            actor=actor, milestone=milestone, rung="on_agenda", causal_link=True
        )
    assert not AuditEvent.objects.filter(actor=actor).exists()


def test_recommendations_cannot_be_changed_or_deleted_only_withdrawn_with_a_reason():
    actor = helpers.researcher()
    rec = helpers.recommendation(actor)
    rec.text = "anders"
    with pytest.raises(AppendOnlyError):
        rec.save()
    with pytest.raises(AppendOnlyError):
        rec.delete()
    with pytest.raises(AppendOnlyError):
        Recommendation.objects.filter(pk=rec.pk).delete()
    with pytest.raises(ValidationError):
        services.recommendation_withdraw(
            actor=actor, recommendation=rec, reason="mistake", explanation=""
        )
    services.recommendation_withdraw(
        actor=actor, recommendation=rec, reason="duplicate", explanation="Staat al als nummer 3."
    )
    row = selectors.recommendation_get_for(actor, rec.pk)
    assert row.withdrawn and row.status_label == "Ingetrokken"
    with pytest.raises(ValidationError, match="al ingetrokken"):
        services.recommendation_withdraw(
            actor=actor, recommendation=rec, reason="mistake", explanation="x"
        )
    with pytest.raises(ValidationError, match="ingetrokken"):
        helpers.milestone(actor, rec, "debate", dt.date(2019, 1, 1))


def test_milestones_follow_the_ladder_and_nothing_is_stored_on_a_refusal():
    actor = helpers.researcher()
    rec = helpers.recommendation(actor)
    helpers.milestone(actor, rec, "motion_carried", dt.date(2019, 3, 1))
    implemented = helpers.milestone(actor, rec, "law_in_force", dt.date(2020, 1, 1))
    before = Milestone.objects.count()
    with pytest.raises(ValidationError, match="24 maanden"):
        helpers.milestone(actor, rec, "reverified", dt.date(2021, 6, 1))
    with pytest.raises(ValidationError, match="vóór de datum"):
        helpers.milestone(actor, rec, "debate", dt.date(2017, 1, 1))
    with pytest.raises(ValidationError, match="toekomst"):
        helpers.milestone(actor, rec, "debate", timezone.localdate() + dt.timedelta(days=2))
    assert Milestone.objects.count() == before
    helpers.milestone(actor, rec, "reverified", dt.date(2022, 1, 1))
    assert selectors.recommendation_get_for(actor, rec.pk).status == "durable"
    # Withdrawing the implementation would leave "durable" without it: refused, named.
    with pytest.raises(
        ValidationError,
        match=r"Opnieuw vastgesteld: nog van kracht \(01-01-2022\)' kan niet volgen",
    ):
        services.milestone_withdraw(
            actor=actor, milestone=implemented, reason="mistake", explanation="x"
        )


def test_a_correction_supersedes_and_a_withdrawal_strikes_through():
    actor = helpers.researcher()
    rec = helpers.recommendation(actor)
    wrong = helpers.milestone(actor, rec, "motion_carried", dt.date(2019, 3, 1))
    fixed = helpers.milestone(actor, rec, "motion_filed", dt.date(2019, 3, 1), supersedes=wrong)
    assert fixed.supersedes == wrong
    assert selectors.recommendation_get_for(actor, rec.pk).status == "on_agenda"
    with pytest.raises(ValidationError, match="al gecorrigeerd"):
        helpers.milestone(actor, rec, "debate", dt.date(2019, 4, 1), supersedes=wrong)
    services.milestone_withdraw(
        actor=actor, milestone=fixed, reason="not_happened", explanation="Nooit ingediend."
    )
    row = selectors.recommendation_get_for(actor, rec.pk)
    assert row.status == "open" and len(row.milestones) == 2 and row.effective == []


def test_evidence_is_required_and_documents_are_encrypted_at_rest():
    actor = helpers.researcher()
    rec = helpers.recommendation(actor)
    with pytest.raises(ValidationError) as refused:
        helpers.milestone(actor, rec, "debate", dt.date(2019, 1, 1), evidence_reference=" ")
    assert "evidence_reference" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        helpers.milestone(actor, rec, "debate", dt.date(2019, 1, 1), evidence_kind="document")
    assert "document" in refused.value.message_dict
    with pytest.raises(ValidationError, match="pdf, png of jpeg"):
        helpers.milestone(
            actor,
            rec,
            "debate",
            dt.date(2019, 1, 1),
            evidence_kind="document",
            document=("brief.pdf", "application/pdf", b"<html>not a pdf</html>"),
        )
    pdf = b"%PDF-1.4 geheim verslag van het debat"
    milestone = helpers.milestone(
        actor,
        rec,
        "debate",
        dt.date(2019, 1, 1),
        evidence_kind="document",
        evidence_reference="",
        document=("verslag.pdf", "application/pdf", pdf),
    )
    stored = MilestoneDocument.objects.get(milestone=milestone)
    assert b"geheim" not in stored.document_ciphertext.encode()
    assert base64.b64encode(pdf).decode() not in stored.document_ciphertext
    assert services.document_read(actor=actor, document=stored) == pdf
    assert AuditEvent.objects.filter(action="agenda.document_read").count() == 1
    with pytest.raises(PermissionDenied):
        services.document_read(actor=make_user(Role.POLICE_OFFICER), document=stored)


def test_two_coders_then_a_third_person_decides():
    recorder, coder_a, coder_b, judge = (helpers.researcher() for _ in range(4))
    rec = helpers.recommendation(recorder)
    milestone = helpers.milestone(recorder, rec, "motion_carried", dt.date(2019, 3, 1))
    services.milestone_code(actor=coder_a, milestone=milestone, rung="adopted", causal_link=True)
    with pytest.raises(ValidationError, match="al gecodeerd"):
        services.milestone_code(
            actor=coder_a, milestone=milestone, rung="adopted", causal_link=True
        )
    with pytest.raises(ValidationError, match="Eerst coderen twee"):
        services.milestone_adjudicate(
            actor=judge, milestone=milestone, rung="adopted", causal_link=True, explanation="x"
        )
    services.milestone_code(actor=coder_b, milestone=milestone, rung="on_agenda", causal_link=True)
    with pytest.raises(ValidationError, match="al door twee"):
        services.milestone_code(actor=judge, milestone=milestone, rung="adopted", causal_link=True)
    coding = selectors.coding_of(Milestone.objects.get(pk=milestone.pk))
    assert coding.needs_decision and coding.final is None
    with pytest.raises(ValidationError, match="eigen codering"):
        services.milestone_adjudicate(
            actor=coder_a, milestone=milestone, rung="adopted", causal_link=True, explanation="x"
        )
    services.milestone_adjudicate(
        actor=judge,
        milestone=milestone,
        rung="adopted",
        causal_link=True,
        explanation="De motie is aangenomen (stemmingsuitslag).",
    )
    coding = selectors.coding_of(Milestone.objects.get(pk=milestone.pk))
    assert coding.final == ("adopted", True) and not coding.needs_decision
    with pytest.raises(ValidationError, match="al beslist"):
        services.milestone_adjudicate(
            actor=make_user(Role.RESEARCHER),
            milestone=milestone,
            rung="adopted",
            causal_link=True,
            explanation="x",
        )
    assert AuditEvent.objects.filter(action="agenda.milestone_coded").count() == 2
    assert AuditEvent.objects.filter(action="agenda.milestone_adjudicated").count() == 1


def test_agreeing_coders_need_no_decision():
    recorder, coder_a, coder_b = (helpers.researcher() for _ in range(3))
    milestone = helpers.milestone(
        recorder, helpers.recommendation(recorder), "debate", dt.date(2019, 3, 1)
    )
    services.milestone_code(actor=coder_a, milestone=milestone, rung="on_agenda", causal_link=False)
    services.milestone_code(actor=coder_b, milestone=milestone, rung="on_agenda", causal_link=False)
    coding = selectors.coding_of(Milestone.objects.get(pk=milestone.pk))
    assert coding.agreed and coding.final == ("on_agenda", False)
    with pytest.raises(ValidationError, match="eens"):
        services.milestone_adjudicate(
            actor=recorder, milestone=milestone, rung="adopted", causal_link=True, explanation="x"
        )


def test_a_superseded_milestone_cannot_be_coded():
    recorder, coder = helpers.researcher(), helpers.researcher()
    rec = helpers.recommendation(recorder)
    old = helpers.milestone(recorder, rec, "debate", dt.date(2019, 3, 1))
    helpers.milestone(recorder, rec, "questions", dt.date(2019, 3, 1), supersedes=old)
    with pytest.raises(ValidationError, match="codeer de nieuwe"):
        services.milestone_code(actor=coder, milestone=old, rung="on_agenda", causal_link=False)
