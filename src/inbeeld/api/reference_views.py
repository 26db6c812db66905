"""API v1: reference data (read): police units, exploitation forms, chain event types with their
outcomes. Not case data: every active API client may read them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from inbeeld.api import serializers as s
from inbeeld.api.base import ApiView
from inbeeld.reference.models import ChainEventType, ExploitationForm, PoliceUnit


class PoliceUnitListView(ApiView):
    @extend_schema(
        operation_id="eenheden_lijst",
        summary="Politie-eenheden",
        description="Alle politie-eenheden met hun code.",
        responses={
            200: s.envelope("EenhedenLijst", s.PoliceUnitSerializer, "De politie-eenheden.")
        },
    )
    def get(self, request):
        units = PoliceUnit.objects.order_by("order", "name")
        return Response({"resultaten": s.PoliceUnitSerializer(units, many=True).data})


class ExploitationFormListView(ApiView):
    @extend_schema(
        operation_id="uitbuitingsvormen_lijst",
        summary="Uitbuitingsvormen",
        description="Alle uitbuitingsvormen met hun code.",
        responses={
            200: s.envelope(
                "UitbuitingsvormenLijst", s.ExploitationFormSerializer, "De uitbuitingsvormen."
            )
        },
    )
    def get(self, request):
        forms = ExploitationForm.objects.order_by("order")
        return Response({"resultaten": s.ExploitationFormSerializer(forms, many=True).data})


class EventTypeListView(ApiView):
    @extend_schema(
        operation_id="gebeurtenissoorten_lijst",
        summary="Soorten ketengebeurtenissen",
        description="Alle soorten ketengebeurtenissen met hun toegestane uitkomsten.",
        responses={
            200: s.envelope(
                "GebeurtenissoortenLijst", s.EventTypeSerializer, "De soorten gebeurtenissen."
            )
        },
    )
    def get(self, request):
        types = ChainEventType.objects.order_by("order").prefetch_related("outcomes")
        return Response({"resultaten": s.EventTypeSerializer(types, many=True).data})
