"""API v1: the evaluation (overview and one intervention) and the monitor from the stored results
(jobs.results), exactly what the researchers' pages show (analysis.presenter, the monitor's
disclosure-controlled tables), for the client's data scope; the API computes nothing: while the
worker computes, it answers 202 with Retry-After."""

from __future__ import annotations

import json

from django.http import Http404
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response

from inbeeld import policy
from inbeeld.analysis import presenter, presenter_primary, presenter_safety
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


class StampSerializer(serializers.Serializer):
    berekendOp = serializers.DateTimeField(help_text="Wanneer de cijfers zijn berekend.")
    peildatum = serializers.DateField(allow_null=True, help_text="Peildatum van de gegevens.")
    verouderd = serializers.BooleanField(help_text="Nieuwere gegevens worden verwerkt.")


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
class EvaluationSerializer(StampSerializer):
    horizon = serializers.IntegerField(help_text="Horizon in dagen.")
    samenvatting = serializers.ListField(
        child=serializers.CharField(), help_text="De samenvatting, in zinnen."
    )
    interventies = InterventionRowSerializer(many=True, help_text="Per interventie.")


INTERVENTION_CODE = OpenApiParameter(
    "code", OpenApiTypes.STR, OpenApiParameter.PATH, description="Code van de interventie."
)


@extend_schema_serializer(component_name="WordtBerekend")
class PendingSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="De cijfers worden berekend; probeer het straks.")


@extend_schema_serializer(component_name="PrimaireAnalyse")
class PrimarySerializer(serializers.Serializer):
    zin = serializers.CharField(help_text="De uitkomst van de primaire analyse, in een zin.")
    toelichting = serializers.ListField(
        child=serializers.CharField(), help_text="Opzet en getallen van de analyse, in zinnen."
    )
    oordeel = serializers.CharField(help_text="Code van het oordeel (of leeg).")
    oordeelOmschrijving = serializers.CharField(help_text="Het oordeel in woorden (of leeg).")


@extend_schema_serializer(component_name="Gevoeligheidsanalyse")
class SectionSerializer(serializers.Serializer):
    sleutel = serializers.CharField(
        help_text="Soort analyse: itt, delivered, survival of staggered."
    )
    titel = serializers.CharField(help_text="Titel van de analyse.")
    zinnen = serializers.ListField(
        child=serializers.CharField(), help_text="De uitkomst, in zinnen."
    )


@extend_schema_serializer(component_name="VeiligheidsfeitPerGroep")
class SafetyFactRowSerializer(serializers.Serializer):
    feit = serializers.CharField(
        help_text="Code van het feit: threat, contact_ban, safe_housing, shielded_witness of "
        "suspect_released."
    )
    omschrijving = serializers.CharField(help_text="Het feit in woorden.")
    metInterventie = serializers.CharField(
        help_text="Casussen met het feit en hun aandeel, met de interventie; × als onderdrukt."
    )
    zonderInterventie = serializers.CharField(
        help_text="Casussen met het feit en hun aandeel, zonder de interventie; × als onderdrukt."
    )


@extend_schema_serializer(component_name="VeiligheidEnHerhaaldVertellen")
class SafetySerializer(serializers.Serializer):
    zinnen = serializers.ListField(
        child=serializers.CharField(),
        help_text="Hoe vaak het slachtoffer het verhaal moest vertellen, per groep, in zinnen.",
    )
    feiten = SafetyFactRowSerializer(
        many=True, help_text="Bedreiging, beschermende maatregelen en vrijlating per groep."
    )
    toelichting = serializers.CharField(help_text="Waarom deze feiten alleen beschreven worden.")


@extend_schema_serializer(component_name="EvaluatieVanInterventie")
class InterventionEvaluationSerializer(StampSerializer):
    horizon = serializers.IntegerField(help_text="Horizon in dagen.")
    interventie = InterventionRowSerializer(help_text="De regel van het overzicht.")
    primaireAnalyse = PrimarySerializer(help_text="De primaire analyse.")
    gevoeligheidsanalyses = SectionSerializer(many=True, help_text="De gevoeligheidsanalyses.")
    veiligheid = SafetySerializer(
        allow_null=True,
        help_text="Veiligheid en hoe vaak het slachtoffer het verhaal moest vertellen (of leeg).",
    )


@extend_schema_serializer(component_name="Monitorcel")
class MonitorCellSerializer(serializers.Serializer):
    tabel = serializers.CharField(help_text="De tabel.")
    rij = serializers.CharField(help_text="De rij (bijv. een uitbuitingsvorm of eenheid).")
    kolom = serializers.CharField(help_text="De kolom (een jaar, of Totaal).")
    waarde = serializers.CharField(
        help_text="Het gepubliceerde getal zoals op de pagina (1.504), of × als het onderdrukt is."
    )


@extend_schema_serializer(component_name="Monitor")
class MonitorSerializer(StampSerializer):
    aantalCasussen = serializers.CharField(help_text="Aantal casussen in de monitor.")
    minimaleCelwaarde = serializers.IntegerField(
        help_text="Kleinere aantallen worden niet gepubliceerd."
    )
    onderdrukt = serializers.CharField(help_text="Het teken voor een onderdrukt getal.")
    cellen = MonitorCellSerializer(many=True, help_text="De tabellen, een cel per regel.")


def _pending() -> Response:
    return Response(
        {"status": gettext("De cijfers worden berekend; probeer het straks opnieuw.")},
        status=202,
        headers={"Retry-After": str(RETRY_SECONDS)},
    )


def _stored_evaluation(request):
    """The horizon asked for and the stored evaluation of the user's data scope (researchers)."""
    policy.require(
        request.user, policy.Action.EVALUATION_READ, "U heeft geen toegang tot de evaluatie."
    )
    query = HorizonSerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    horizon = query.validated_data.get("horizon") or DEFAULT_HORIZON_DAYS
    return horizon, stored_evaluation(request.user, horizon_days=horizon)


def _stamp(served, horizon: int | None = None) -> dict:
    body = {"berekendOp": served.computed_at, "peildatum": served.cutoff, "verouderd": served.stale}
    if horizon is not None:
        body["horizon"] = horizon
    return body


class EvaluationView(ApiView):
    @extend_schema(
        operation_id="evaluatie",
        summary="Evaluatie van de interventies",
        description="Het overzicht van de evaluatie zoals op de pagina Evaluatie, voor het "
        "werkgebied van de gebruiker (onderzoekers: casussen met toestemming). Worden de cijfers "
        "nog berekend, dan 202 met Retry-After.",
        parameters=[HorizonSerializer],
        responses={200: EvaluationSerializer, 202: PendingSerializer},
    )
    def get(self, request):
        horizon, served = _stored_evaluation(request)
        result = served.value
        if result is None:
            return _pending()
        rows = [presenter.overview_row(item, horizon) for item in result.interventions]
        body = {
            **_stamp(served, horizon),
            "samenvatting": [str(s) for s in presenter.overall_sentences(result)],
            "interventies": rows,
        }
        return Response(EvaluationSerializer(body).data)


class InterventionEvaluationView(ApiView):
    @extend_schema(
        operation_id="evaluatie_interventie",
        summary="Evaluatie van één interventie",
        description="De primaire analyse en de gevoeligheidsanalyses van één interventie, zoals op "
        "de pagina van die interventie (in zinnen, met intervallen). Een onbekende code: 404. "
        "Worden de cijfers nog berekend, dan 202 met Retry-After.",
        parameters=[INTERVENTION_CODE, HorizonSerializer],
        responses={200: InterventionEvaluationSerializer, 202: PendingSerializer},
    )
    def get(self, request, code: str):
        horizon, served = _stored_evaluation(request)
        result = served.value
        if result is None:
            return _pending()
        item = next((i for i in result.interventions if i.spec.code == code), None)
        if item is None:
            raise Http404("intervention not found")
        primary = presenter_primary.primary_block(item.primary)
        body = {
            **_stamp(served, horizon),
            "interventie": presenter.overview_row(item, horizon),
            "primaireAnalyse": {
                "zin": str(primary["sentence"]),
                "toelichting": [str(d) for d in primary["details"]],
                "oordeel": primary["verdict"],
                "oordeelOmschrijving": primary["label"],
            },
            "gevoeligheidsanalyses": [
                {
                    "sleutel": section["key"],
                    "titel": str(section["title"]),
                    "zinnen": [str(z) for z in section["sentences"]],
                }
                for section in presenter.intervention_sections(item, horizon)
            ],
        }
        safety = presenter_safety.safety_block(item, horizon)
        body["veiligheid"] = safety and {
            "zinnen": [str(z) for z in safety["sentences"]],
            "feiten": [
                {
                    "feit": row["fact"],
                    "omschrijving": row["label"],
                    "metInterventie": row["exposed"],
                    "zonderInterventie": row["unexposed"],
                }
                for row in safety["rows"]
            ],
            "toelichting": str(safety["note"]),
        }
        return Response(InterventionEvaluationSerializer(body).data)


class MonitorView(ApiView):
    @extend_schema(
        operation_id="monitor",
        summary="Monitor",
        description="De tabellen van de monitor zoals ze gepubliceerd worden (onthullingscontrole: "
        "kleine aantallen en wat ze zou verraden zijn vervangen door ×), voor het werkgebied van "
        "de gebruiker (onderzoekers: casussen met toestemming voor de monitor); dezelfde cijfers "
        "als het bestand Monitortabellen. Elke levering wordt vastgelegd. Worden de cijfers nog "
        "berekend, dan 202 met Retry-After.",
        responses={200: MonitorSerializer, 202: PendingSerializer},
    )
    def get(self, request):
        # Imported here, as the monitor pages do (the report module loads the charts).
        from inbeeld.publication.monitor_report import monitor_table_rows
        from inbeeld.publication.release import ReleaseKind, release_record
        from inbeeld.publication.stored_results import stored_monitor

        policy.require(
            request.user, policy.Action.MONITOR_READ, "U heeft geen toegang tot de monitor."
        )
        served = stored_monitor(request.user)
        context = served.value
        if context is None:
            return _pending()
        _header, *rows = monitor_table_rows(context)
        body = {
            **_stamp(served),
            "aantalCasussen": context["n_cases"],
            "minimaleCelwaarde": context["min_cell"],
            "onderdrukt": context["suppressed_symbol"],
            "cellen": [
                {"tabel": str(t), "rij": str(r), "kolom": str(k), "waarde": str(w)}
                for t, r, k, w in rows
            ],
        }
        data = MonitorSerializer(body).data
        # The protected tables leave InBeeld as the tables file does: one release row.
        release_record(
            user=request.user,
            kind=ReleaseKind.MONITOR_TABLES,
            subject_ref="monitor_tables",
            extra={"format": "api", "bytes": len(json.dumps(data, default=str))},
        )
        return Response(data)
