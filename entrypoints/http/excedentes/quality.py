"""Data quality at capture: the entity's list of outliers (the coordinador reads each value
kept as an outlier beside the capturista's comment) and the history of one value, as pages
and as JSON. The Paso 6 grid itself (comments, warnings, "Copiar los valores del periodo
anterior") lives with the other capture pages."""

from __future__ import annotations


from typing import Any

import attrs
from litestar import Controller, Request, get
from litestar.params import FromPath

from entrypoints.http.dependencies import Injected
from entrypoints.http.excedentes.common import entity_ref, exc_guard, scope_of
from entrypoints.http.excedentes.pages import render_entity
from excedentes.application.ports import OutlierItem
from excedentes.application.quality import HistoryEntry, QualityQueries

ENTITY = "/entidades/{inst:str}/{entity:str}/{year:int}"
API_ENTITY = "/entities/{inst:str}/{entity:str}/{year:int}"


@attrs.frozen
class OutliersOut:
    """The entity's values kept as outliers, with the explanation shown at their save and the
    capturista's comment."""

    institution: str
    entity: str
    year: int
    items: list[OutlierItem]


@attrs.frozen
class ValueHistoryOut:
    """Who changed a unit's values of one product, when, before -> after, newest first."""

    clues: str
    product_id: int
    product: str
    entries: list[HistoryEntry]


class QualityPages(Controller):
    path = "/excedentes"
    guards = [exc_guard]
    include_in_schema = False

    @get(ENTITY + "/valores-atipicos", sync_to_thread=True)
    def outliers(self, request: Request[Any, Any, Any],
                 quality_queries: Injected[QualityQueries], inst: FromPath[str],
                 entity: FromPath[str], year: FromPath[int]) -> Any:
        listing = quality_queries.outliers(scope_of(request), entity_ref(inst, entity), year)
        return render_entity(request, "excedentes/valores_atipicos.html", listing.overview,
                             listing=listing)

    @get(ENTITY + "/unidades/{clues:str}/productos/{product_id:int}/historial",
         sync_to_thread=True)
    def history(self, request: Request[Any, Any, Any],
                quality_queries: Injected[QualityQueries], inst: FromPath[str],
                entity: FromPath[str], year: FromPath[int], clues: FromPath[str],
                product_id: FromPath[int]) -> Any:
        history = quality_queries.history(scope_of(request), entity_ref(inst, entity), year,
                                          clues, product_id)
        return render_entity(request, "excedentes/historial_valor.html", history.overview,
                             history=history, unit=history.unit)


class QualityApi(Controller):
    path = "/api/excedentes"
    guards = [exc_guard]
    tags = ["Excedentes y Faltantes"]

    @get(API_ENTITY + "/outliers", sync_to_thread=True,
         summary="Valores atípicos guardados con su comentario")
    def outliers(self, request: Request[Any, Any, Any],
                 quality_queries: Injected[QualityQueries], inst: FromPath[str],
                 entity: FromPath[str], year: FromPath[int]) -> OutliersOut:
        listing = quality_queries.outliers(scope_of(request), entity_ref(inst, entity), year)
        ov = listing.overview
        return OutliersOut(ov.institution.code, ov.entity.code, year, list(listing.items))

    @get(API_ENTITY + "/units/{clues:str}/products/{product_id:int}/history",
         sync_to_thread=True, summary="Historial de los valores de un producto en una unidad")
    def history(self, request: Request[Any, Any, Any],
                quality_queries: Injected[QualityQueries], inst: FromPath[str],
                entity: FromPath[str], year: FromPath[int], clues: FromPath[str],
                product_id: FromPath[int]) -> ValueHistoryOut:
        h = quality_queries.history(scope_of(request), entity_ref(inst, entity), year, clues,
                                    product_id)
        return ValueHistoryOut(h.unit.clues, h.product_id, h.product, list(h.entries))



