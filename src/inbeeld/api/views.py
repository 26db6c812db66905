"""API v1: cases and their chain events. Thin: serializers check the shape, the SAME selectors
and services as the pages do the rest (policy, workflow, audit)."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from inbeeld import policy
from inbeeld.api import serializers as s
from inbeeld.api.base import ApiView, expected_version
from inbeeld.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from inbeeld.api.idempotency import idempotent
from inbeeld.api.pagination import ApiCursorPagination
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_query_params, audit_record
from inbeeld.cases import selectors, services
from inbeeld.cases.workflow import Status

IDEMPOTENCY = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="Een unieke sleutel per verzoek (bijv. een UUID); een herhaling met dezelfde "
    "sleutel en inhoud geeft hetzelfde antwoord en maakt niets dubbel.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="De versie van de casus die u kent, bijv. \"3\" (of het veld 'versie').",
)
CODE = OpenApiParameter(
    "code", OpenApiTypes.STR, OpenApiParameter.PATH, description="Code van de casus."
)
EVENT_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Nummer van de gebeurtenis."
)

CASE_FIELDS = {
    "police_unit": "eenheid",
    "exploitation_forms": "uitbuitingsvormen",
    "intake_date": "datumInstroom",
    "age_band": "leeftijdscategorie",
    "nationality_group": "nationaliteit",
}
EVENT_FIELDS = {
    "event_type": "soort",
    "event_date": "datum",
    "outcome": "uitkomst",
    "note": "notitie",
    "date_precision": "datumPrecisie",
    "reason": "reden",
}


class CaseFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=Status.choices, required=False, help_text="Alleen casussen in deze status."
    )
    uitbuitingsvorm = serializers.CharField(
        required=False, max_length=40, help_text="Code van een uitbuitingsvorm."
    )
    minderjarig = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Minderjarig bij instroom."
    )
    instroomVanaf = serializers.DateField(required=False, help_text="Instroom op of na deze datum.")
    instroomTot = serializers.DateField(required=False, help_text="Instroom op of voor deze datum.")
    eenheid = serializers.CharField(
        required=False, max_length=40, help_text="Code van de politie-eenheid."
    )
    cursor = serializers.CharField(required=False, help_text="Cursor van een pagina.")
    aantal = serializers.IntegerField(
        required=False, min_value=1, max_value=100, help_text="Aantal per pagina."
    )


# The largest id a database column holds: a bigger one in a URL is simply not found (SQLite
# would refuse the number with an error instead).
MAX_ID = 2**63 - 1


def _event(user, case, event_id: int):
    if event_id > MAX_ID:
        from django.http import Http404

        raise Http404("event not found")
    return selectors.event_get_for(user, case, event_id)


def _case_body(case) -> dict:
    return s.CaseSerializer(case).data


def _require(user, action) -> None:
    policy.require(user, action)


class CaseListView(ApiView):
    service_field_names = CASE_FIELDS
    pagination_class = ApiCursorPagination

    @extend_schema(
        operation_id="casussen_lijst",
        summary="Casussen in uw werkgebied",
        description="De casussen die de gebruiker van de koppeling mag zien, nieuwste instroom "
        "eerst, per pagina (cursor).",
        parameters=[CaseFilterSerializer],
        responses={200: s.CaseSerializer(many=True)},
    )
    def get(self, request):
        _require(request.user, policy.Action.CASE_LIST)
        query = CaseFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        f = query.validated_data
        filters = selectors.CaseFilters(
            status=f.get("status", ""),
            exploitation_form=f.get("uitbuitingsvorm", ""),
            minor=f.get("minderjarig"),
            intake_from=f.get("instroomVanaf"),
            intake_to=f.get("instroomTot"),
            police_unit=f.get("eenheid", ""),
        )
        paginator = self.pagination_class()
        paginator.ordering = ("-intake_date", "-id")
        page = paginator.paginate_queryset(
            selectors.case_list(request.user, filters), request, self
        )
        audit_record(
            actor=request.user,
            action=AuditAction.CASE_LIST_READ,
            subject_type="case_list",
            extra={
                "filters": audit_query_params(request.query_params, CaseFilterSerializer().fields),
                "shown": [c.code for c in page],
            },
        )
        return paginator.get_paginated_response([_case_body(c) for c in page])

    @extend_schema(
        operation_id="casus_registreren",
        summary="Casus registreren",
        description="Registreer een nieuwe casus in een eenheid waarin de gebruiker casussen mag "
        "registreren. Antwoord: de casus, met Location.",
        parameters=[IDEMPOTENCY],
        request=s.CaseRegisterSerializer,
        responses={201: s.CaseSerializer},
    )
    def post(self, request):
        _require(request.user, policy.Action.CASE_CREATE)
        data = s.CaseRegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data

        def write():
            case = services.case_register(
                actor=request.user,
                police_unit=v["eenheid"],
                exploitation_forms=v["uitbuitingsvormen"],
                minor_at_intake=v["minderjarigBijInstroom"],
                age_band=v["leeftijdscategorie"],
                gender=v["gender"],
                nationality_group=v["nationaliteit"],
                intake_date=v["datumInstroom"],
            )
            location = reverse("api:case_detail", kwargs={"code": case.code})
            return Response(_case_body(case), status=201, headers={"Location": location})

        return idempotent(request, write)


class CaseDetailView(ApiView):
    @extend_schema(
        operation_id="casus_lezen",
        summary="Eén casus",
        description="De casus met deze code; buiten uw werkgebied: 404 (en vastgelegd). "
        "De header ETag geeft de versie.",
        parameters=[CODE],
        responses={200: s.CaseSerializer},
    )
    def get(self, request, code: str):
        case = selectors.case_get_for(request.user, code)
        return Response(_case_body(case), headers={"ETag": f'"{case.version}"'})


class EventListView(ApiView):
    service_field_names = EVENT_FIELDS

    @extend_schema(
        operation_id="gebeurtenissen_lijst",
        summary="Tijdlijn van een casus",
        description="Alle ketengebeurtenissen van de casus, oudste eerst, ook gecorrigeerde en "
        "ingetrokken; notities alleen voor wie ze mag lezen.",
        parameters=[CODE],
        responses={
            200: s.envelope("Tijdlijn", s.EventSerializer, "De gebeurtenissen, oudste eerst.")
        },
    )
    def get(self, request, code: str):
        case = selectors.case_get_for(request.user, code)
        timeline = selectors.case_timeline(request.user, case)
        return Response(
            {"resultaten": s.EventSerializer(timeline, many=True).data},
            headers={"ETag": f'"{case.version}"'},
        )

    @extend_schema(
        operation_id="gebeurtenis_vastleggen",
        summary="Gebeurtenis vastleggen",
        description="Leg een ketengebeurtenis vast, als de workflow dat in de huidige status "
        "toelaat. Met de versie (If-Match of 'versie') wordt een tussentijdse wijziging "
        "geweigerd (409).",
        parameters=[CODE, IDEMPOTENCY, IF_MATCH],
        request=s.EventWriteSerializer,
        responses={201: s.EventWrittenSerializer},
    )
    def post(self, request, code: str):
        case = selectors.case_get_for(request.user, code, action=policy.Action.EVENT_RECORD)
        data = s.EventWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        version = expected_version(request, v.get("versie"), required=False)

        def write():
            event = services.event_record(
                actor=request.user,
                case=case,
                **_event_values(v),
                expected_version=version,
            )
            return _written(event.pk, event.case)

        return idempotent(request, write)


def _event_values(v: dict) -> dict:
    """The service arguments of an event written through the API (record and correct alike)."""
    return {
        "event_type": v["soort"],
        "event_date": v["datum"],
        "outcome": v["uitkomst"],
        "date_precision": v["datumPrecisie"],
        "note": v["notitie"],
    }


def _written(event_id: int, case) -> Response:
    body = {
        "id": event_id,
        "casus": case.code,
        "casusVersie": case.version,
        "casusStatus": case.status,
    }
    location = reverse("api:event_list", kwargs={"code": case.code})
    return Response(body, status=201, headers={"Location": location, "ETag": f'"{case.version}"'})


class EventCorrectView(ApiView):
    service_field_names = EVENT_FIELDS

    @extend_schema(
        operation_id="gebeurtenis_corrigeren",
        summary="Gebeurtenis corrigeren",
        description="Een correctie is een nieuwe gebeurtenis die de oude vervangt; de oude blijft "
        "zichtbaar. De versie van de casus is verplicht.",
        parameters=[CODE, EVENT_ID, IDEMPOTENCY, IF_MATCH],
        request=s.EventWriteSerializer,
        responses={201: s.EventWrittenSerializer},
    )
    def post(self, request, code: str, id: int):
        case = selectors.case_get_for(request.user, code, action=policy.Action.EVENT_CORRECT)
        original = _event(request.user, case, id)
        data = s.EventWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        version = expected_version(request, v.get("versie"), required=True)

        def write():
            correction = services.event_correct(
                actor=request.user,
                event=original,
                **_event_values(v),
                expected_version=version,
            )
            return _written(correction.pk, correction.case)

        return idempotent(request, write)


class EventWithdrawView(ApiView):
    service_field_names = EVENT_FIELDS

    @extend_schema(
        operation_id="gebeurtenis_intrekken",
        summary="Gebeurtenis intrekken",
        description="Trek een per vergissing vastgelegde gebeurtenis in (met reden); zij blijft "
        "doorgestreept zichtbaar en telt nergens meer mee. De versie van de casus is verplicht.",
        parameters=[CODE, EVENT_ID, IDEMPOTENCY, IF_MATCH],
        request=s.WithdrawSerializer,
        responses={201: s.EventWrittenSerializer},
    )
    def post(self, request, code: str, id: int):
        case = selectors.case_get_for(request.user, code, action=policy.Action.EVENT_CORRECT)
        event = _event(request.user, case, id)
        data = s.WithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        version = expected_version(request, v.get("versie"), required=True)

        def write():
            services.event_withdraw(
                actor=request.user, event=event, reason=v["reden"], expected_version=version
            )
            after = selectors.case_get_for(
                request.user, code, action=policy.Action.EVENT_CORRECT, log_read=False
            )
            return _written(event.pk, after)

        return idempotent(request, write)
