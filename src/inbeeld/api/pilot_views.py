"""API v1: the pilot on a case: record that an intervention reached the case (with its fidelity
checklist) or did not (with a reason), and the victim-reported measures. The same services as
the case page's pilot forms (inbeeld.pilot.services), with their policy and audit rows."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_noop
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response

from inbeeld import policy
from inbeeld.api.base import ApiView
from inbeeld.api.idempotency import idempotent
from inbeeld.api.serializers import CodeField, StrictSerializer
from inbeeld.api.views import CODE, IDEMPOTENCY
from inbeeld.cases import selectors as case_selectors
from inbeeld.pilot import services
from inbeeld.pilot.models import Instrument, Intervention, Moment

MAX_ITEMS = 100
DELIVERY_FIELDS = {
    "date": "datum",
    "fidelity": "controlepunten",
    "reason_not_delivered": "redenNietUitgevoerd",
}
MEASURE_FIELDS = {"date": "datum", "answers": "antwoorden", "moment": "moment"}


@extend_schema_serializer(component_name="UitvoeringInvoer")
class DeliverySerializer(StrictSerializer):
    interventie = CodeField(
        slug_field="code",
        queryset=Intervention.objects.all(),
        help_text="Code van de interventie.",
        error_messages={"does_not_exist": gettext_noop("Onbekende code: {value}.")},
    )
    datum = serializers.DateField(help_text="Datum van de uitvoering (jjjj-mm-dd).")
    uitgevoerd = serializers.BooleanField(help_text="Of de interventie is uitgevoerd.")
    controlepunten = serializers.DictField(
        child=serializers.BooleanField(),
        required=False,
        default=dict,
        help_text="Per controlepunt (code) of het is gedaan.",
    )
    redenNietUitgevoerd = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="Waarom niet uitgevoerd (versleuteld opgeslagen).",
    )

    def validate_controlepunten(self, value):
        if len(value) > MAX_ITEMS:
            raise serializers.ValidationError(f"Hooguit {MAX_ITEMS} controlepunten.")
        return value


@extend_schema_serializer(component_name="MetingInvoer")
class MeasureSerializer(StrictSerializer):
    vragenlijst = serializers.CharField(max_length=40, help_text="Code van de vragenlijst.")
    vragenlijstVersie = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=1000,
        help_text="Versie van de vragenlijst (standaard de nieuwste).",
    )
    moment = serializers.ChoiceField(choices=Moment.choices, help_text="Moment van de meting.")
    datum = serializers.DateField(help_text="Datum van de meting (jjjj-mm-dd).")
    antwoorden = serializers.DictField(
        child=serializers.IntegerField(allow_null=True, min_value=-1000, max_value=1000),
        help_text="Per vraag (code) het antwoord; leeg (null) als niet beantwoord.",
    )

    def validate_antwoorden(self, value):
        if len(value) > MAX_ITEMS:
            raise serializers.ValidationError(f"Hooguit {MAX_ITEMS} antwoorden.")
        return value


@extend_schema_serializer(component_name="Vastgelegd")
class RecordedSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Nummer van het nieuwe gegeven.")
    casus = serializers.CharField(help_text="Code van de casus.")


def _recorded(pk: int, case) -> Response:
    location = reverse("api:case_detail", kwargs={"code": case.code})
    return Response({"id": pk, "casus": case.code}, status=201, headers={"Location": location})


class DeliveryView(ApiView):
    service_field_names = DELIVERY_FIELDS

    @extend_schema(
        operation_id="uitvoering_vastleggen",
        summary="Uitvoering van een interventie vastleggen",
        description="Leg vast dat een interventie van de proeftuin de casus bereikte (met "
        "controlepunten) of niet (met een reden). Alleen de rollen die die interventie uitvoeren.",
        parameters=[CODE, IDEMPOTENCY],
        request=DeliverySerializer,
        responses={201: RecordedSerializer},
    )
    def post(self, request, code: str):
        case = case_selectors.case_get_for(request.user, code, action=policy.Action.DELIVERY_RECORD)
        data = DeliverySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data

        def write():
            delivery = services.delivery_record(
                actor=request.user,
                case=case,
                intervention=v["interventie"],
                date=v["datum"],
                delivered=v["uitgevoerd"],
                fidelity=v["controlepunten"],
                reason_not_delivered=v["redenNietUitgevoerd"],
            )
            return _recorded(delivery.pk, case)

        return idempotent(request, write)


class MeasureView(ApiView):
    service_field_names = MEASURE_FIELDS

    @extend_schema(
        operation_id="meting_vastleggen",
        summary="Meting vastleggen",
        description="Leg de antwoorden van het slachtoffer op een vragenlijst vast, op een vast "
        "moment; onbeantwoorde vragen blijven leeg.",
        parameters=[CODE, IDEMPOTENCY],
        request=MeasureSerializer,
        responses={201: RecordedSerializer},
    )
    def post(self, request, code: str):
        case = case_selectors.case_get_for(request.user, code, action=policy.Action.MEASURE_RECORD)
        data = MeasureSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        instruments = Instrument.objects.filter(code=v["vragenlijst"]).order_by("-version")
        if "vragenlijstVersie" in v:
            instruments = instruments.filter(version=v["vragenlijstVersie"])
        instrument = instruments.first()
        if instrument is None:
            raise serializers.ValidationError(
                {"vragenlijst": ["Onbekende vragenlijst (of versie)."]}, code="does_not_exist"
            )

        def write():
            measure = services.measure_record(
                actor=request.user,
                case=case,
                instrument=instrument,
                moment=v["moment"],
                date=v["datum"],
                answers=dict(v["antwoorden"]),
            )
            return _recorded(measure.pk, case)

        return idempotent(request, write)
