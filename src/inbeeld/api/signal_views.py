"""API v1: signals of a signaller's organisation system: submit, follow one's own (list and
status with the steps meant for the signaller), read the coordinator's questions and answer the
open one, and the current indicator list to choose from. The same services and selectors as the
signaller's pages (intake: *Mijn signalen*)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_noop
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response

from inbeeld import policy
from inbeeld.api.base import ApiView
from inbeeld.api.idempotency import idempotent
from inbeeld.api.pagination import ApiCursorPagination
from inbeeld.api.serializers import MAX_NOTE, CodeField, StrictSerializer, envelope
from inbeeld.api.views import IDEMPOTENCY
from inbeeld.cases.models import AgeBand, Gender
from inbeeld.intake import feedback_selectors, selectors, services
from inbeeld.intake.models import SignalEvent, SignallerType, Urgency
from inbeeld.intake.services.base import MAX_MESSAGE
from inbeeld.intake.workflow import SignalStatus
from inbeeld.reference.models import Indicator, PoliceUnit

MAX_INDICATORS = 100
SIGNAL_FIELDS = {
    "signaller_type": "signaalgeverType",
    "police_unit": "eenheid",
    "indicators": "indicatoren",
    "age_band": "leeftijd",
    "gender": "gender",
    "urgency": "urgentie",
    "description": "beschrijving",
    "subject_name": "naam",
    "municipality": "gemeente",
}
REFERENCE = OpenApiParameter(
    "referentie", OpenApiTypes.STR, OpenApiParameter.PATH, description="Kenmerk van het signaal."
)


def _indicator_code(indicator) -> str:
    return f"{indicator.category.code}/{indicator.code}"


@extend_schema_serializer(component_name="SignaalInvoer")
class SignalSubmitSerializer(StrictSerializer):
    eenheid = CodeField(
        slug_field="code",
        queryset=PoliceUnit.objects.all(),
        help_text="Code van de politie-eenheid van de plaats waar het speelt.",
        error_messages={"does_not_exist": gettext_noop("Onbekende code: {value}.")},
    )
    signaalgeverType = serializers.ChoiceField(
        choices=SignallerType.choices, help_text="Soort signaalgever."
    )
    indicatoren = serializers.ListField(
        child=serializers.CharField(max_length=130),
        max_length=MAX_INDICATORS,
        required=False,
        default=list,
        help_text="Codes 'categorie/signaal' uit /api/v1/signalenlijst.",
    )
    leeftijd = serializers.ChoiceField(choices=AgeBand.choices, help_text="Leeftijdscategorie.")
    gender = serializers.ChoiceField(choices=Gender.choices, help_text="Geslacht.")
    urgentie = serializers.ChoiceField(choices=Urgency.choices, help_text="Acuut gevaar of niet.")
    beschrijving = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=MAX_NOTE,
        help_text="Wat opviel, in eigen woorden (versleuteld opgeslagen).",
    )
    naam = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        help_text="Naam van de betrokkene, als bekend (versleuteld opgeslagen).",
    )
    gemeente = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=80, help_text="Gemeente."
    )


@extend_schema_serializer(component_name="Signaal")
class SignalSerializer(serializers.Serializer):
    referentie = serializers.CharField(source="reference", help_text="Kenmerk van het signaal.")
    status = serializers.ChoiceField(
        choices=SignalStatus.choices, help_text="Status van het signaal."
    )
    urgentie = serializers.ChoiceField(
        source="urgency", choices=Urgency.choices, help_text="Urgentie."
    )
    eenheid = serializers.CharField(source="police_unit.code", help_text="Code van de eenheid.")
    ontvangenOp = serializers.DateTimeField(
        source="received_at", help_text="Tijdstip van ontvangst."
    )
    vraagOpen = serializers.BooleanField(
        source="question_open", help_text="Of er een vraag aan u openstaat."
    )


@extend_schema_serializer(component_name="SignaalStap")
class HistorySerializer(serializers.Serializer):
    soort = serializers.CharField(source="kind", help_text="Soort stap.")
    omschrijving = serializers.CharField(source="kind_label", help_text="Omschrijving van de stap.")
    tijdstip = serializers.DateTimeField(source="created_at", help_text="Tijdstip.")
    naarStatus = serializers.CharField(source="to_status", help_text="Nieuwe status (of leeg).")
    bericht = serializers.CharField(
        source="message", help_text="Bericht aan de signaalgever (of leeg)."
    )


@extend_schema_serializer(component_name="SignaalMetStappen")
class SignalDetailSerializer(SignalSerializer):
    stappen = serializers.SerializerMethodField(help_text="De stappen die voor u bedoeld zijn.")

    def get_stappen(self, signal) -> list[dict]:
        history = selectors.signal_history(signal, for_signaller=True)
        return HistorySerializer(history, many=True).data


@extend_schema_serializer(component_name="Signaalindicator")
class IndicatorSerializer(serializers.Serializer):
    code = serializers.SerializerMethodField(help_text="Code 'categorie/signaal'.")
    categorie = serializers.CharField(source="category.label", help_text="Categorie.")
    omschrijving = serializers.CharField(source="label", help_text="Het signaal.")

    def get_code(self, indicator) -> str:
        return _indicator_code(indicator)


class SignalListView(ApiView):
    service_field_names = SIGNAL_FIELDS
    pagination_class = ApiCursorPagination

    @extend_schema(
        operation_id="signalen_lijst",
        summary="Eigen signalen",
        description="De signalen die de gebruiker van de koppeling zelf indiende, nieuwste eerst.",
        responses={200: SignalSerializer(many=True)},
    )
    def get(self, request):
        policy.require(request.user, policy.Action.SIGNAL_OWN_READ)
        paginator = self.pagination_class()
        paginator.ordering = ("-received_at", "-id")
        page = paginator.paginate_queryset(selectors.own_signals_for(request.user), request, self)
        return paginator.get_paginated_response(SignalSerializer(page, many=True).data)

    @extend_schema(
        operation_id="signaal_indienen",
        summary="Signaal indienen",
        description="Dien een signaal in; het gaat naar de veiligheidscoördinatoren van de eenheid.",
        parameters=[IDEMPOTENCY],
        request=SignalSubmitSerializer,
        responses={201: SignalSerializer},
    )
    def post(self, request):
        policy.require(request.user, policy.Action.SIGNAL_SUBMIT)
        data = SignalSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        catalogue = services.current_catalogue_version()
        indicators = _indicators(catalogue, v["indicatoren"])

        def write():
            signal, _receipt = services.signal_submit(
                actor=request.user,
                channel="account",
                signaller_type=v["signaalgeverType"],
                police_unit=v["eenheid"],
                indicators=indicators,
                age_band=v["leeftijd"],
                gender=v["gender"],
                urgency=v["urgentie"],
                description=v["beschrijving"],
                subject_name=v["naam"],
                municipality=v["gemeente"],
                catalogue_version=catalogue,
            )
            location = reverse("api:signal_detail", kwargs={"referentie": signal.reference})
            return Response(
                SignalSerializer(signal).data, status=201, headers={"Location": location}
            )

        return idempotent(request, write)


def _indicators(catalogue, codes: list[str]) -> list:
    known = {
        _indicator_code(i): i
        for i in Indicator.objects.filter(category__catalogue_version=catalogue).select_related(
            "category"
        )
    }
    unknown = sorted({c for c in codes if c not in known})
    if unknown:
        raise serializers.ValidationError(
            {"indicatoren": [f"Onbekende code: {c}." for c in unknown[:10]]}, code="does_not_exist"
        )
    return [known[c] for c in dict.fromkeys(codes)]


class SignalDetailView(ApiView):
    @extend_schema(
        operation_id="signaal_lezen",
        summary="Status van een eigen signaal",
        description="Status en stappen van een signaal dat de gebruiker zelf indiende; een ander "
        "signaal: 404 (en vastgelegd).",
        parameters=[REFERENCE],
        responses={200: SignalDetailSerializer},
    )
    def get(self, request, referentie: str):
        signal = selectors.signal_get_for(
            request.user, referentie, action=policy.Action.SIGNAL_OWN_READ
        )
        return Response(SignalDetailSerializer(signal).data)


class IndicatorListView(ApiView):
    @extend_schema(
        operation_id="signalenlijst",
        summary="Signalenlijst (indicatoren)",
        description="De signalen van de geldende signalenlijst, met hun code.",
        responses={200: envelope("Signalenlijst", IndicatorSerializer, "De signalen.")},
    )
    def get(self, request):
        catalogue = services.current_catalogue_version()
        indicators = (
            Indicator.objects.filter(category__catalogue_version=catalogue)
            .select_related("category")
            .order_by("category__order", "order")
        )
        return Response({"resultaten": IndicatorSerializer(indicators, many=True).data})


@extend_schema_serializer(component_name="VraagOfAntwoord")
class QuestionSerializer(serializers.Serializer):
    soort = serializers.ChoiceField(
        source="kind",
        choices=[
            (kind.value, kind.label)
            for kind in (SignalEvent.Kind.QUESTION, SignalEvent.Kind.ANSWER)
        ],
        help_text="question: een vraag van de veiligheidscoördinator; answer: uw antwoord.",
    )
    tijdstip = serializers.DateTimeField(source="created_at", help_text="Tijdstip.")
    tekst = serializers.CharField(source="message", help_text="De vraag of het antwoord.")


@extend_schema_serializer(component_name="Vragen")
class QuestionsSerializer(serializers.Serializer):
    vraagOpen = serializers.BooleanField(help_text="Of er een vraag aan u openstaat.")
    openVraag = serializers.CharField(help_text="De vraag die openstaat (of leeg).")
    resultaten = QuestionSerializer(many=True, help_text="Vragen en antwoorden, oudste eerst.")


@extend_schema_serializer(component_name="AntwoordInvoer")
class AnswerSerializer(StrictSerializer):
    antwoord = serializers.CharField(
        max_length=MAX_MESSAGE, help_text="Uw antwoord op de vraag die openstaat."
    )


def _questions(signal) -> dict:
    kinds = (SignalEvent.Kind.QUESTION, SignalEvent.Kind.ANSWER)
    history = selectors.signal_history(signal, for_signaller=True)
    return {
        "vraagOpen": signal.question_open,
        "openVraag": feedback_selectors.open_question(signal),
        "resultaten": [entry for entry in history if entry.kind in kinds],
    }


class SignalQuestionsView(ApiView):
    @extend_schema(
        operation_id="signaal_vragen",
        summary="Vragen bij een eigen signaal",
        description="De vragen van de veiligheidscoördinator over een signaal dat de gebruiker "
        "zelf indiende, met de antwoorden; een ander signaal: 404 (en vastgelegd).",
        parameters=[REFERENCE],
        responses={200: QuestionsSerializer},
    )
    def get(self, request, referentie: str):
        signal = selectors.signal_get_for(
            request.user, referentie, action=policy.Action.SIGNAL_OWN_READ
        )
        return Response(QuestionsSerializer(_questions(signal)).data)


class SignalAnswerView(ApiView):
    service_field_names = {"answer": "antwoord"}

    @extend_schema(
        operation_id="signaal_antwoorden",
        summary="Vraag beantwoorden",
        description="Beantwoord de vraag die openstaat bij een eigen signaal; het antwoord gaat "
        "naar de veiligheidscoördinator. Staat er geen vraag open: 400 (op het veld antwoord).",
        parameters=[REFERENCE, IDEMPOTENCY],
        request=AnswerSerializer,
        responses={201: QuestionsSerializer},
    )
    def post(self, request, referentie: str):
        signal = selectors.signal_get_for(
            request.user, referentie, action=policy.Action.SIGNAL_OWN_READ
        )
        data = AnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)

        def write():
            answered = services.signal_answer(
                actor=request.user, signal=signal, answer=data.validated_data["antwoord"]
            )
            location = reverse("api:signal_questions", kwargs={"referentie": answered.reference})
            return Response(
                QuestionsSerializer(_questions(answered)).data,
                status=201,
                headers={"Location": location},
            )

        return idempotent(request, write)
