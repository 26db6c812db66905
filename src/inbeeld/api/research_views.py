"""API v1: the evaluation overview from the stored results (jobs.results), exactly what the
researchers' overview page shows (analysis.presenter), for the client's data scope; the API
computes nothing: while the worker computes, it answers 202 with Retry-After."""

from __future__ import annotations

from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response

from inbeeld import policy
from inbeeld.analysis import presenter
from inbeeld.analysis.evaluation import stored_evaluation
from inbeeld.api.base import ApiView
from inbeeld.stats.outcomes import DEFAULT_HORIZON_DAYS

RETRY_SECONDS = 30


class HorizonSerializer(serializers.Serializer):
    horizon = serializers.IntegerField(
        required=False,
        min_value=30,
        max_value=730,
        help_text="Horizon in dagen na de indexdatum (30–730; standaard 180).",
    )


@extend_schema_serializer(component_name="EvaluatieInterventie")
class InterventionRowSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Code van de interventie.")
    naam = serializers.CharField(source="label", help_text="Naam van de interventie.")
    primaireAnalyse = serializers.CharField(
        source="primary.sentence", help_text="De uitkomst van de primaire analyse, in een zin."
    )
    oordeel = serializers.CharField(
        source="primary.label", help_text="Het oordeel van de primaire analyse."
    )
    uitkomstmaat = serializers.CharField(source="outcome", help_text="De uitkomstmaat.")
    aantallenNaarToewijzing = serializers.CharField(
        source="itt_n", help_text="Casussen met / zonder de interventie (naar toewijzing)."
    )
    kansMet = serializers.CharField(source="itt_p1", help_text="Kans met de interventie.")
    kansZonder = serializers.CharField(source="itt_p0", help_text="Kans zonder de interventie.")
    verschilNaarToewijzing = serializers.CharField(
        source="itt_rd", help_text="Verschil in procentpunten met interval (naar toewijzing)."
    )
    verschilZoalsUitgevoerd = serializers.CharField(
        source="delivered_rd", help_text="Verschil in procentpunten met interval (uitgevoerd)."
    )
    kansOpPositiefEffect = serializers.CharField(
        source="posterior", help_text="Kans op een positief effect (Bayesiaans)."
    )
    indicatief = serializers.BooleanField(
        source="indicative", help_text="Te weinig casussen: alleen indicatief."
    )
    nogNodig = serializers.CharField(
        source="still_needed", help_text="Casussen die nog nodig zijn."
    )


@extend_schema_serializer(component_name="Evaluatie")
class EvaluationSerializer(serializers.Serializer):
    berekendOp = serializers.DateTimeField(help_text="Wanneer de cijfers zijn berekend.")
    peildatum = serializers.DateField(allow_null=True, help_text="Peildatum van de gegevens.")
    verouderd = serializers.BooleanField(help_text="Nieuwere gegevens worden verwerkt.")
    horizon = serializers.IntegerField(help_text="Horizon in dagen.")
    samenvatting = serializers.ListField(
        child=serializers.CharField(), help_text="De samenvatting, in zinnen."
    )
    interventies = InterventionRowSerializer(many=True, help_text="Per interventie.")


class EvaluationView(ApiView):
    @extend_schema(
        operation_id="evaluatie",
        summary="Evaluatie van de interventies",
        description="Het overzicht van de evaluatie zoals op de pagina Evaluatie, voor het "
        "werkgebied van de gebruiker (onderzoekers: casussen met toestemming). Worden de cijfers "
        "nog berekend, dan 202 met Retry-After.",
        parameters=[HorizonSerializer],
        responses={200: EvaluationSerializer, 202: None},
    )
    def get(self, request):
        policy.require(
            request.user, policy.Action.EVALUATION_READ, "U heeft geen toegang tot de evaluatie."
        )
        query = HorizonSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        horizon = query.validated_data.get("horizon") or DEFAULT_HORIZON_DAYS
        served = stored_evaluation(request.user, horizon_days=horizon)
        result = served.value
        if result is None:
            return Response(
                {"status": gettext("De cijfers worden berekend; probeer het straks opnieuw.")},
                status=202,
                headers={"Retry-After": str(RETRY_SECONDS)},
            )
        rows = [presenter.overview_row(item, horizon) for item in result.interventions]
        body = {
            "berekendOp": served.computed_at,
            "peildatum": served.cutoff,
            "verouderd": served.stale,
            "horizon": horizon,
            "samenvatting": [str(s) for s in presenter.overall_sentences(result)],
            "interventies": rows,
        }
        return Response(EvaluationSerializer(body).data)
