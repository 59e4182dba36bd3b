"""Who sees an agreement and who acts on it, for any pair of parties: admin sees all; a
coordinador sees the agreements where its institution is a party and acts for that side; a
capturista sees those where its entity is a party and never acts."""

from __future__ import annotations

from datetime import date, datetime, timezone

from hypothesis import given
from hypothesis import strategies as st

from exchange.application.agreements import StoredAgreement, acting_of, visible_to
from exchange.application.model import UnitInfo, viewer_of
from exchange.domain.agreements import Agreement, AgreementSide, Modality, Terms
from shared.kernel.errors import PermissionDenied
from shared.kernel.scope import Actor, Role, Scope

INSTITUTIONS = ("IMSS", "SS", "ISSSTE")
ENTITIES = ("BC", "NL", "MC")
NOW = datetime(2026, 3, 10, 16, tzinfo=timezone.utc)

units = st.builds(lambda i, e, n: UnitInfo(f"{e}X{n:08d}", "Unidad", i, i, e, e, "02"),
                  st.sampled_from(INSTITUTIONS), st.sampled_from(ENTITIES), st.integers(1, 9))
scopes = st.one_of(
    st.just(Scope(Role.ADMIN)),
    st.builds(lambda i: Scope(Role.COORDINADOR, i), st.sampled_from(INSTITUTIONS)),
    st.builds(lambda i, e: Scope(Role.CAPTURISTA, f"{i}:{e}"), st.sampled_from(INSTITUTIONS),
              st.sampled_from(ENTITIES)))


def _stored(req: UnitInfo, prov: UnitInfo) -> StoredAgreement:
    a = Agreement(req.ref, prov.ref, "Consulta", Modality.AMBULATORY,
                  Terms(3, date(2026, 4, 1), date(2026, 9, 30)))
    return StoredAgreement(1, a, req, prov, "", "", None, NOW, "x", NOW)


@given(units, units, scopes)
def test_scope_holds_for_both_parties(req: UnitInfo, prov: UnitInfo, scope: Scope) -> None:
    stored = _stored(req, prov)
    viewer = viewer_of(scope)
    assert viewer is not None
    parties = {(req.institution, req.entity), (prov.institution, prov.entity)}
    if scope.role is Role.ADMIN:
        expected = True
    elif scope.role is Role.COORDINADOR:
        expected = scope.ref in {i for i, _ in parties}
    else:
        expected = tuple(scope.ref.split(":")) in parties
    assert visible_to(stored, viewer) is expected

    actor = Actor("u", scope)
    if scope.role is Role.CAPTURISTA:
        try:
            acting_of(actor)
        except PermissionDenied:
            return
        raise AssertionError("a capturista acted")
    sides = stored.agreement.sides_of(acting_of(actor))
    if scope.role is Role.COORDINADOR:
        assert (AgreementSide.REQUESTING in sides) is (req.institution == scope.ref)
        assert (AgreementSide.PROVIDING in sides) is (prov.institution == scope.ref)
        assert bool(sides) is expected
    else:
        assert sides == frozenset(AgreementSide)
