"""Demo data of the exchange context: a national analysis of the current period and
agreements from its proposed exchanges in every state of the workflow, with deliveries, so
that a new user sees the loop (need → potential → agreements → care) at once.

Runs after the collection's demo (it reads its records). Every agreement goes through the
real use cases (rules, audit) on a clock that is moved through the past months: an agreement
"concluded" last quarter was proposed, accepted and served month by month on those dates.
Idempotent: nothing is done when an analysis already exists.

Per proposed exchange, in turn (one per requesting state first, so the map shows them):
Vigente (four months served, one below the agreed patients with its reason), Propuesto,
Concluido (six months served), Aceptado (starts next month), Rechazado (with a reason),
Cancelado (two months served, then cancelled).
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta, timezone
from typing import Callable, Sequence

from exchange.application.agreements import (
    AcceptAgreement,
    AcceptCommand,
    AdvanceAgreements,
    AgreementUnitOfWorkFactory,
    CancelAgreement,
    DecisionCommand,
    DeclineAgreement,
    DeliveryCommand,
    ProposeAgreement,
    ProposeCommand,
    RecordDelivery,
    SeedAgreementReasons,
)
from exchange.application.model import ExchangeLine, ViewFilter, Viewer
from exchange.application.ports import ExchangeReadModel, ExchangeSource
from exchange.application.use_cases import RunExchangeAnalysis, RunExchangeCommand
from exchange.domain.agreements import Month
from exchange.domain.matching import AllocationMethod
from shared.identity.domain import DemoUser
from shared.kernel.clock import Clock, FixedClock
from shared.kernel.demo import check_scale
from shared.kernel.progress import Progress
from shared.kernel.scope import Actor, Role, Scope

ADMIN = Actor.admin("demo")
PLAN = ("vigente", "propuesto", "concluido", "aceptado", "rechazado", "cancelado")
PER_SCALE = {"small": 12, "national": 48}  # agreements made
SHORT_REASON = "Pacientes que no acudieron a su cita"


def _coordinator(institution: str) -> Actor:
    # The demo's coordinator accounts (the collection's demo creates them).
    return Actor(f"coordinador.{institution.lower()}", Scope(Role.COORDINADOR, institution))


def _first(m: Month) -> date:
    return date(m.year, m.month, 1)


def _last(m: Month) -> date:
    return date(m.year, m.month, calendar.monthrange(m.year, m.month)[1])


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 18, tzinfo=timezone.utc)  # 12:00 in Mexico


def pick_lines(lines: Sequence[ExchangeLine], count: int) -> list[ExchangeLine]:
    """Exchanges of different requesting states first (round robin), then the rest; one per
    requesting unit, product and providing unit."""
    by_state: dict[str, list[ExchangeLine]] = {}
    for line in lines:
        by_state.setdefault(line.requesting.state, []).append(line)
    out: list[ExchangeLine] = []
    seen: set[tuple[str, str, str]] = set()
    while len(out) < count and any(by_state.values()):
        for state in sorted(by_state):
            if by_state[state] and len(out) < count:
                line = by_state[state].pop(0)
                key = (line.requesting.clues, line.providing.clues, line.product)
                if key not in seen:
                    seen.add(key)
                    out.append(line)
    return out


class ExchangeDemoLoader:
    name = "intercambio"

    def __init__(self, uow_factory: AgreementUnitOfWorkFactory, clock: Clock,
                 source: ExchangeSource, analyses: ExchangeReadModel,
                 run_analysis: Callable[[], RunExchangeAnalysis]) -> None:
        self.uow_factory = uow_factory
        self.clock = clock
        self.source = source
        self.analyses = analyses
        self.run_analysis = run_analysis

    def users(self, scale: str) -> Sequence[DemoUser]:
        return []  # the collection's coordinators and capturistas act here

    def load(self, scale: str, progress: Progress) -> None:
        check_scale(scale)
        if self.analyses.list(Viewer(), ADMIN.username, 0, 1)[1]:
            progress("intercambio: ya cargado", 1, 1)
            return
        years = list(self.source.years())
        if not years:
            progress("intercambio: sin periodos", 1, 1)
            return
        today = self.clock.today()
        year = today.year if today.year in years else years[0]
        progress("intercambio: análisis nacional", 0, 2)
        result = self.run_analysis()(ADMIN, RunExchangeCommand(year))
        aid = result.analysis.id
        stored = self.analyses.get(aid)
        assert stored is not None
        lines = list(self.analyses.snapshot(stored).iter_lines(Viewer(), ViewFilter(),
                                                               AllocationMethod.OPTIMAL))
        # Exchanges inside one entity need no agreement between parties.
        lines = [e for e in lines if (e.requesting.institution, e.requesting.entity)
                 != (e.providing.institution, e.providing.entity)]
        chosen = pick_lines(lines, PER_SCALE[scale])
        # A small demo may have fewer exchanges than statuses: a pair then has several
        # agreements over time (one concluded, one current, ...), as renewals do.
        base = list(chosen)
        while base and len(chosen) < len(PLAN):
            chosen.append(base[len(chosen) % len(base)])
        SeedAgreementReasons(self.uow_factory)()
        for i, line in enumerate(chosen):
            self._agreement(PLAN[i % len(PLAN)], line, aid, today, i)
            progress("intercambio: acuerdos", i + 1, len(chosen))
        clock = FixedClock(_noon(today))
        AdvanceAgreements(self.uow_factory, clock)()

    def _agreement(self, plan: str, line: ExchangeLine, aid: int, today: date, i: int) -> None:
        now = Month.of(today)
        clock = FixedClock(_noon(today))
        cases = _Cases(self, clock)
        requester = _coordinator(line.requesting.institution)
        provider = _coordinator(line.providing.institution)
        starts = {"vigente": -4, "concluido": -8, "cancelado": -3}.get(plan, 1)
        months = {"vigente": 12, "concluido": 6, "cancelado": 9}.get(plan, 6)
        first = now.plus(starts)
        start, end = _first(first), _last(first.plus(months - 1))
        if starts < 0:
            clock.set(_noon(start))
        agreed = max(1, line.patients - (i % 3 == 1))  # now and then fewer than proposed
        stored = cases.propose(requester, ProposeCommand(
            line.requesting.clues, line.providing.clues, line.product, line.modality,
            line.patients, start, end, "Traslado de pacientes a cargo de la unidad solicitante.",
            aid))
        if plan == "propuesto":
            return
        if plan == "rechazado":
            cases.decline(provider, DecisionCommand(stored.id, "CAPACIDAD",
                                                    "La capacidad ya está comprometida."))
            return
        cases.accept(provider, AcceptCommand(stored.id, agreed))
        if plan == "aceptado":
            return
        served_months = {"vigente": 4, "concluido": 6, "cancelado": 2}[plan]
        for k in range(served_months):
            month = first.plus(k)
            clock.set(_noon(_last(month)))
            short = k == 1 and agreed > 1
            cases.deliver(provider, DeliveryCommand(stored.id, month, agreed - 1 if short
                                                    else agreed, SHORT_REASON if short else ""))
        if plan == "cancelado":
            clock.set(_noon(_last(first.plus(served_months - 1)) + timedelta(days=1)))
            cases.cancel(requester, DecisionCommand(
                stored.id, "YA_CUBIERTO", "La unidad solicitante recuperó el servicio."))


class _Cases:
    """The use cases on the demo's moving clock."""

    def __init__(self, loader: ExchangeDemoLoader, clock: FixedClock) -> None:
        u = loader.uow_factory
        self.propose = ProposeAgreement(u, clock, loader.source, loader.analyses)
        self.accept = AcceptAgreement(u, clock)
        self.decline = DeclineAgreement(u, clock)
        self.cancel = CancelAgreement(u, clock)
        self.deliver = RecordDelivery(u, clock)
