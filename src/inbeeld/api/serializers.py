"""What the API reads and writes, field by field. Field names are Dutch in camelCase (ADR 0021),
the values the codes of the reference data and the models' choices. Serializers only validate
the shape; every rule stays in the services (a service's refusal is answered as a problem)."""

from __future__ import annotations

from django.utils.translation import gettext_noop
from drf_spectacular.utils import extend_schema_serializer, inline_serializer
from rest_framework import serializers

from inbeeld.cases.models import AgeBand, DatePrecision, Gender, NationalityGroup, WithdrawalReason
from inbeeld.cases.workflow import Status
from inbeeld.reference.models import ChainEventType, ExploitationForm, PoliceUnit

MAX_NOTE = 5000
MAX_FORMS = 20
MAX_CODE = 100


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know (a typo must not be ignored silently)."""

    def validate(self, attrs):
        unknown = sorted(set(getattr(self, "initial_data", {}) or {}) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {name: ["Dit veld bestaat niet."] for name in unknown}, code="unknown_field"
            )
        return attrs

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"body": ["Stuur een JSON-object."]}, code="invalid")
        return super().to_internal_value(data)


class CodeField(serializers.SlugRelatedField):
    """A reference by its code. Anything but a short text without NUL is invalid before it
    reaches the database (PostgreSQL refuses NUL in text with an error, not a miss)."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or "\x00" in data or len(data) > MAX_CODE:
            self.fail("invalid")
        return super().to_internal_value(data)


def _code_field(model, description: str, **kw):
    return CodeField(
        slug_field="code",
        queryset=model.objects.all(),
        help_text=description,
        error_messages={
            "does_not_exist": gettext_noop("Onbekende code: {value}."),
            "invalid": gettext_noop("Geef een code als tekst."),
            "null": gettext_noop("Dit veld mag niet leeg zijn."),
            "required": gettext_noop("Dit veld is verplicht."),
        },
        **kw,
    )


@extend_schema_serializer(component_name="Casus")
class CaseSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="De publieke code van de casus, bijv. IB-7K3Q-9XWD.")
    eenheid = serializers.CharField(
        source="police_unit.code", help_text="Code van de politie-eenheid."
    )
    rechtbank = serializers.CharField(
        source="court.code",
        allow_null=True,
        default=None,
        help_text="Code van de rechtbank (of leeg).",
    )
    uitbuitingsvormen = serializers.SerializerMethodField(
        help_text="Codes van de uitbuitingsvormen."
    )
    minderjarigBijInstroom = serializers.BooleanField(
        source="minor_at_intake", help_text="Minderjarig bij instroom."
    )
    leeftijdscategorie = serializers.ChoiceField(
        source="age_band", choices=AgeBand.choices, help_text="Leeftijdscategorie."
    )
    gender = serializers.ChoiceField(choices=Gender.choices, help_text="Geslacht.")
    nationaliteit = serializers.ChoiceField(
        source="nationality_group",
        choices=NationalityGroup.choices,
        help_text="Nationaliteitsgroep.",
    )
    datumInstroom = serializers.DateField(
        source="intake_date", help_text="Datum van instroom (jjjj-mm-dd)."
    )
    status = serializers.ChoiceField(choices=Status.choices, help_text="Status in de keten.")
    toestemmingOnderzoek = serializers.BooleanField(
        source="research_consent", help_text="Toestemming voor onderzoek."
    )
    versie = serializers.IntegerField(
        source="version", help_text="Versie van de casus, voor If-Match of 'versie'."
    )

    def get_uitbuitingsvormen(self, case) -> list[str]:
        return sorted(f.code for f in case.exploitation_forms.all())


@extend_schema_serializer(component_name="CasusRegistratie")
class CaseRegisterSerializer(StrictSerializer):
    eenheid = _code_field(PoliceUnit, "Code van de politie-eenheid waarin de casus valt.")
    uitbuitingsvormen = _code_field(
        ExploitationForm, "Een of meer codes van uitbuitingsvormen.", many=True
    )
    minderjarigBijInstroom = serializers.BooleanField(help_text="Minderjarig bij instroom.")
    leeftijdscategorie = serializers.ChoiceField(
        choices=AgeBand.choices, help_text="Leeftijdscategorie."
    )
    gender = serializers.ChoiceField(choices=Gender.choices, help_text="Geslacht.")
    nationaliteit = serializers.ChoiceField(
        choices=NationalityGroup.choices, help_text="Nationaliteitsgroep."
    )
    datumInstroom = serializers.DateField(help_text="Datum van instroom (jjjj-mm-dd).")

    def to_internal_value(self, data):
        forms = data.get("uitbuitingsvormen") if isinstance(data, dict) else None
        if isinstance(forms, list) and len(forms) > MAX_FORMS:
            raise serializers.ValidationError(
                {"uitbuitingsvormen": [f"Hooguit {MAX_FORMS} uitbuitingsvormen."]},
                code="max_length",
            )
        return super().to_internal_value(data)

    def validate_uitbuitingsvormen(self, value):
        if not value:
            raise serializers.ValidationError(
                "Kies ten minste één uitbuitingsvorm.", code="required"
            )
        return value


@extend_schema_serializer(component_name="Gebeurtenis")
class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        source="event.pk", help_text="Nummer van de gebeurtenis binnen InBeeld."
    )
    soort = serializers.CharField(
        source="event.event_type.code", help_text="Code van de soort gebeurtenis."
    )
    omschrijving = serializers.CharField(
        source="event.event_type.label", help_text="Omschrijving van de soort."
    )
    uitkomst = serializers.CharField(
        source="event.outcome", help_text="Code van de uitkomst of reden (of leeg)."
    )
    datum = serializers.DateField(source="event.event_date", help_text="Datum van de gebeurtenis.")
    datumPrecisie = serializers.ChoiceField(
        source="event.date_precision",
        choices=DatePrecision.choices,
        help_text="Nauwkeurigheid van de datum.",
    )
    organisatie = serializers.CharField(
        source="event.organisation.name",
        allow_null=True,
        default=None,
        help_text="Vastgelegd door organisatie.",
    )
    vastgelegdOp = serializers.DateTimeField(
        source="event.recorded_at", help_text="Tijdstip van vastleggen."
    )
    heeftNotitie = serializers.BooleanField(source="has_note", help_text="Of er een notitie is.")
    notitie = serializers.CharField(
        source="note",
        allow_null=True,
        help_text="De notitie, alleen voor wie haar mag lezen (anders leeg).",
    )
    corrigeert = serializers.IntegerField(
        source="event.supersedes_id",
        allow_null=True,
        help_text="Nummer van de gebeurtenis die deze corrigeert.",
    )
    gecorrigeerd = serializers.BooleanField(
        source="superseded", help_text="Vervangen door een correctie."
    )
    ingetrokken = serializers.SerializerMethodField(help_text="Ingetrokken (telt niet meer mee).")
    geldig = serializers.BooleanField(
        source="effective", help_text="Telt mee: niet gecorrigeerd en niet ingetrokken."
    )

    def get_ingetrokken(self, entry) -> bool:
        return entry.withdrawal is not None


@extend_schema_serializer(component_name="GebeurtenisInvoer")
class EventWriteSerializer(StrictSerializer):
    soort = _code_field(ChainEventType, "Code van de soort gebeurtenis.")
    datum = serializers.DateField(help_text="Datum van de gebeurtenis (jjjj-mm-dd).")
    uitkomst = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=40,
        help_text="Code van de uitkomst of reden.",
    )
    datumPrecisie = serializers.ChoiceField(
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text="Nauwkeurigheid van de datum.",
    )
    notitie = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=MAX_NOTE,
        help_text="Notitie (versleuteld opgeslagen).",
    )
    versie = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2_000_000_000,
        help_text="De versie van de casus die u kent (of de header If-Match).",
    )


@extend_schema_serializer(component_name="Intrekking")
class WithdrawSerializer(StrictSerializer):
    reden = serializers.ChoiceField(
        choices=WithdrawalReason.choices, help_text="Waarom de gebeurtenis wordt ingetrokken."
    )
    versie = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2_000_000_000,
        help_text="De versie van de casus die u kent (of de header If-Match).",
    )


@extend_schema_serializer(component_name="GebeurtenisVastgelegd")
class EventWrittenSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        help_text="Nummer van de nieuwe gebeurtenis (of de ingetrokken gebeurtenis)."
    )
    casus = serializers.CharField(help_text="Code van de casus.")
    casusVersie = serializers.IntegerField(help_text="De nieuwe versie van de casus.")
    casusStatus = serializers.CharField(help_text="De status van de casus na deze wijziging.")


@extend_schema_serializer(component_name="Eenheid")
class PoliceUnitSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Code van de eenheid.")
    naam = serializers.CharField(source="name", help_text="Naam van de eenheid.")


@extend_schema_serializer(component_name="Uitbuitingsvorm")
class ExploitationFormSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Code van de uitbuitingsvorm.")
    omschrijving = serializers.CharField(source="label", help_text="Omschrijving.")


@extend_schema_serializer(component_name="Uitkomst")
class OutcomeSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Code van de uitkomst.")
    omschrijving = serializers.CharField(source="label", help_text="Omschrijving.")


@extend_schema_serializer(component_name="Gebeurtenissoort")
class EventTypeSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Code van de soort gebeurtenis.")
    omschrijving = serializers.CharField(source="label", help_text="Omschrijving.")
    uitkomstVerplicht = serializers.BooleanField(
        source="outcome_required", help_text="Of een uitkomst verplicht is."
    )
    uitkomsten = OutcomeSerializer(
        source="outcomes", many=True, help_text="De toegestane uitkomsten."
    )


def envelope(name: str, serializer, description: str):
    """The schema of a list answer without pages: ``{"resultaten": [...]}``."""
    return inline_serializer(
        name=name, fields={"resultaten": serializer(many=True, help_text=description)}
    )
