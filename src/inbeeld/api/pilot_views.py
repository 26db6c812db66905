"""API v1: the pilot on a case: record that an intervention reached the case (with its fidelity
checklist) or did not (with a reason), read the deliveries back as the case page shows them,
correct or withdraw one, and the victim-reported measures. The same selectors and services as the
case page's pilot section and forms (inbeeld.pilot), with their policy and audit rows."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response

from inbeeld import policy
from inbeeld.api.base import ApiView
from inbeeld.api.idempotency import idempotent
from inbeeld.api.serializers import CodeField, StrictSerializer, envelope
from inbeeld.api.views import CODE, IDEMPOTENCY, MAX_ID
from inbeeld.cases import selectors as case_selectors
from inbeeld.cases.models import WithdrawalReason
from inbeeld.pilot import selectors, services
from inbeeld.pilot.models import Instrument, Intervention, Moment

MAX_ITEMS = 100
DELIVERY_FIELDS = {
    "date": "datum",
    "fidelity": "controlepunten",
    "reason_not_delivered": "redenNietUitgevoerd",
}
MEASURE_FIELDS = {"date": "datum", "answers": "antwoorden", "moment": "moment"}
WITHDRAW_FIELDS = {"reason": "reden"}
DELIVERY_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Nummer van de uitvoering."
)


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


@extend_schema_serializer(component_name="Controlepunt")
class FidelityCheckSerializer(serializers.Serializer):
    omschrijving = serializers.CharField(source="label", help_text="Het controlepunt.")
    gedaan = serializers.BooleanField(source="met", help_text="Of het is gedaan.")


@extend_schema_serializer(component_name="Uitvoering")
class DeliveryRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="delivery.pk", help_text="Nummer van de uitvoering.")
    interventie = serializers.CharField(
        source="delivery.intervention.code", help_text="Code van de interventie."
    )
    naam = serializers.CharField(
        source="delivery.intervention.label", help_text="Naam van de interventie."
    )
    datum = serializers.DateField(source="delivery.date", help_text="Datum van de uitvoering.")
    uitgevoerd = serializers.BooleanField(
        source="delivery.delivered", help_text="Of de interventie is uitgevoerd."
    )
    controlepunten = FidelityCheckSerializer(
        source="checklist", many=True, help_text="De controlepunten en of ze zijn gedaan."
    )
    heeftReden = serializers.BooleanField(
        source="has_reason", help_text="Of er een reden 'niet uitgevoerd' is vastgelegd."
    )
    redenNietUitgevoerd = serializers.CharField(
        source="reason",
        allow_null=True,
        help_text="De reden, alleen voor de beroepsgroep die haar schreef (anders leeg).",
    )
    organisatie = serializers.CharField(
        allow_null=True,
        help_text="Vastgelegd door organisatie (leeg voor wie geen personen mag zien).",
    )
    corrigeert = serializers.IntegerField(
        source="delivery.supersedes_id",
        allow_null=True,
        help_text="Nummer van de uitvoering die deze corrigeert.",
    )
    gecorrigeerd = serializers.BooleanField(
        source="superseded", help_text="Vervangen door een correctie; telt niet mee."
    )
    ingetrokken = serializers.BooleanField(
        source="withdrawn", help_text="Ingetrokken (doorgestreept, telt niet mee)."
    )
    redenIntrekking = serializers.CharField(
        source="withdrawal_reason", help_text="Code van de reden van intrekken (of leeg)."
    )
    magWijzigen = serializers.BooleanField(
        source="may_change", help_text="Of de gebruiker haar mag corrigeren of intrekken."
    )


@extend_schema_serializer(component_name="UitvoeringIntrekking")
class DeliveryWithdrawSerializer(StrictSerializer):
    reden = serializers.ChoiceField(
        choices=WithdrawalReason.choices, help_text="Waarom de uitvoering wordt ingetrokken."
    )


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
        operation_id="uitvoeringen_lijst",
        summary="Uitvoeringen van interventies bij een casus",
        description="De uitvoeringen zoals de casuspagina ze toont, oudste eerst, ook gecorrigeerde "
        "en ingetrokken; een reden 'niet uitgevoerd' alleen voor de beroepsgroep die haar schreef.",
        parameters=[CODE],
        responses={
            200: envelope("Uitvoeringen", DeliveryRowSerializer, "De uitvoeringen, oudste eerst.")
        },
    )
    def get(self, request, code: str):
        case = case_selectors.case_get_for(request.user, code)
        rows = selectors.case_deliveries(request.user, case)
        return Response({"resultaten": DeliveryRowSerializer(rows, many=True).data})

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


def _changeable_row(request, case, delivery_id: int):
    """The delivery of this case the user may change, as the page's correct/withdraw forms:
    another case's delivery is a 404; one of an intervention the user does not deliver a 403."""
    if delivery_id > MAX_ID:
        raise Http404("delivery not found")
    row = selectors.delivery_row_for(request.user, case, delivery_id)
    if not row.may_change and row.effective:
        raise PermissionDenied(gettext("U mag de uitvoering van deze interventie niet wijzigen."))
    return row


class DeliveryCorrectView(ApiView):
    service_field_names = DELIVERY_FIELDS

    @extend_schema(
        operation_id="uitvoering_corrigeren",
        summary="Uitvoering corrigeren",
        description="Een correctie is een nieuwe uitvoering die de oude vervangt; de oude blijft "
        "zichtbaar als gecorrigeerd en telt niet meer mee. Alleen wie de interventie uitvoert.",
        parameters=[CODE, DELIVERY_ID, IDEMPOTENCY],
        request=DeliverySerializer,
        responses={201: RecordedSerializer},
    )
    def post(self, request, code: str, id: int):
        case = case_selectors.case_get_for(request.user, code, action=policy.Action.DELIVERY_RECORD)
        row = _changeable_row(request, case, id)
        data = DeliverySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data

        def write():
            correction = services.delivery_correct(
                actor=request.user,
                delivery=row.delivery,
                intervention=v["interventie"],
                date=v["datum"],
                delivered=v["uitgevoerd"],
                fidelity=v["controlepunten"],
                reason_not_delivered=v["redenNietUitgevoerd"],
            )
            return _recorded(correction.pk, case)

        return idempotent(request, write)


class DeliveryWithdrawView(ApiView):
    service_field_names = WITHDRAW_FIELDS

    @extend_schema(
        operation_id="uitvoering_intrekken",
        summary="Uitvoering intrekken",
        description="Trek een per vergissing vastgelegde uitvoering in (met reden); zij blijft "
        "doorgestreept zichtbaar en telt nergens meer mee. Alleen wie de interventie uitvoert.",
        parameters=[CODE, DELIVERY_ID, IDEMPOTENCY],
        request=DeliveryWithdrawSerializer,
        responses={201: RecordedSerializer},
    )
    def post(self, request, code: str, id: int):
        case = case_selectors.case_get_for(request.user, code, action=policy.Action.DELIVERY_RECORD)
        row = _changeable_row(request, case, id)
        data = DeliveryWithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)

        def write():
            services.delivery_withdraw(
                actor=request.user, delivery=row.delivery, reason=data.validated_data["reden"]
            )
            return _recorded(row.delivery.pk, case)

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
