"""HTTP pages and API of the sanece context.

Pages (server-rendered, Spanish, the guide's labels) under ``/sanece``:

- director: Inicio (S2), Consultar folio (S3) and its PDF (S4), Pacientes (S5), Cambios with
  its five sections (S6–S11), Extracción (S13), Comentarios o sugerencias (S15);
- revisor (Catálogo II) and admin: the review queue and each request's decision (S12);
- evaluador and admin: the Pendiente folios and their evaluation (S14);
- admin: the comentarios received and the validated homologaciones ("Deshacer
  homologación").

The same operations as JSON under ``/api/sanece`` (``api.py``). Templates in
``templates/sanece/``, the stylesheet and script ``/static/sanece.css`` and ``sanece.js``.

Handlers take their queries and use cases as typed parameters (``file_merge: FileMerge``): the
module's router maps each name of ``common.DEPENDENCIES`` to the container's provider.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shared.kernel.scope import Role

HERE = Path(__file__).parent


def modules(container: Any) -> list[Any]:
    from entrypoints.http.dependencies import bound, dependency_map
    from entrypoints.http.rendering import HttpModule, MenuItem
    from entrypoints.http.sanece.api import SaneceApi
    from entrypoints.http.sanece.changes import ChangePages, SectionPages
    from entrypoints.http.sanece.common import (
        CAMBIOS,
        COMENTARIOS,
        COMENTARIOS_RECIBIDOS,
        CONSULTAR,
        DEPENDENCIES,
        EVALUACION,
        ESTADISTICAS,
        EXTRACCION,
        HOMOLOGACIONES,
        INICIO,
        MOTIVOS,
        PACIENTES,
        REVISION,
        ROOT_DEPENDENCIES,
    )
    from entrypoints.http.sanece.evaluation import EvaluationPages
    from entrypoints.http.sanece.extraction import (
        ExtractionPages,
        FeedbackAdminPages,
        FeedbackPages,
    )
    from entrypoints.http.sanece.folios import FolioPages
    from entrypoints.http.sanece.merges import MergePages
    from entrypoints.http.sanece.review import ReasonPages, RequestPages, ReviewPages

    director = frozenset({Role.DIRECTOR})
    central = frozenset({Role.REVISOR, Role.EVALUADOR})
    admin = frozenset({Role.ADMIN})
    unit_readers = frozenset({Role.ADMIN, Role.EVALUADOR})
    return [HttpModule(
        name="sanece",
        route_handlers=[bound(
            [FolioPages, ChangePages, SectionPages, RequestPages, ReviewPages, EvaluationPages,
             ExtractionPages, FeedbackPages, FeedbackAdminPages, MergePages, ReasonPages,
             SaneceApi],
            {**dependency_map(container.sanece, DEPENDENCIES),
             **dependency_map(container, ROOT_DEPENDENCIES)})],
        template_dir=HERE / "templates",
        # The guide's menu (Inicio and Cerrar sesión come from the base layout).
        menu=[
            MenuItem("Solicitudes de cambio", REVISION, frozenset({Role.REVISOR, Role.ADMIN})),
            MenuItem("Evaluación de folios", EVALUACION,
                     frozenset({Role.EVALUADOR, Role.ADMIN})),
            # the director's pages of one unit, read-only for the admin and the evaluador
            # once they choose the unit
            MenuItem("Folios por unidad", INICIO, unit_readers),
            MenuItem("Consultar folio", CONSULTAR, director | central | admin),
            MenuItem("Pacientes", PACIENTES, director | unit_readers),
            MenuItem("Cambios", CAMBIOS, director),
            MenuItem("Extracción", EXTRACCION, director | unit_readers),
            MenuItem("Comentarios o sugerencias", COMENTARIOS, director | central),
            MenuItem("Comentarios SAnECE recibidos", COMENTARIOS_RECIBIDOS, admin),
            MenuItem("Homologaciones validadas", HOMOLOGACIONES, admin),
            MenuItem("Estadísticas de la cola", ESTADISTICAS,
                     frozenset({Role.REVISOR, Role.ADMIN})),
            MenuItem("Catálogo de motivos", MOTIVOS, admin),
        ],
        home_by_role={Role.DIRECTOR: INICIO, Role.REVISOR: REVISION,
                      Role.EVALUADOR: EVALUACION},
    )]
