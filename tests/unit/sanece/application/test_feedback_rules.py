"""Comentarios o sugerencias (S15) on the fake unit of work: any SAnECE user sends one (a
director's records their unit), audited; a bad kind, an empty text or a user of another
context writes nothing."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanece.application.use_cases.feedback import FeedbackCommand, SubmitFeedback
from sanece.domain.feedback import FeedbackKind
from shared.kernel.errors import PermissionDenied, ValidationError

from .fakes import DIRECTOR_A, EXCEDENTES, EVALUADOR, REVISOR, UNIT_A, small_world


@pytest.mark.parametrize("actor, unit_id", [(DIRECTOR_A, UNIT_A), (REVISOR, None),
                                            (EVALUADOR, None)])
def test_feedback_is_stored_with_its_author_and_audited(world, clock, actor, unit_id):
    cmd = FeedbackCommand("El buscador debería aceptar el NSS con guiones.", "improvement")
    feedback_id = SubmitFeedback(world.uow, clock)(actor, cmd)
    stored = world.state.feedback[feedback_id]
    assert (stored.kind, stored.author, stored.role, stored.unit_id, stored.submitted_at) == (
        FeedbackKind.IMPROVEMENT, actor.username, actor.scope.role.value, unit_id, clock.now())
    assert stored.text == "El buscador debería aceptar el NSS con guiones."
    (entry,) = world.store.audit
    assert (entry.action, entry.target_type, entry.target_id, entry.actor) == (
        "sanece.feedback_submitted", "sanece_feedback", str(feedback_id), actor.username)
    assert entry.after == {"kind": "improvement", "unit_id": unit_id}


@pytest.mark.parametrize("cmd, actor, error", [
    (FeedbackCommand("Texto", "complaint"), DIRECTOR_A, ValidationError),
    (FeedbackCommand("Texto", "comment"), EXCEDENTES, PermissionDenied),
])
def test_refused_feedback_writes_nothing(world, clock, cmd, actor, error):
    before = world.store.snapshot()
    with pytest.raises(error):
        SubmitFeedback(world.uow, clock)(actor, cmd)
    assert world.state == before and world.store.commits == 0


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=" \t\n", max_size=5))
def test_blank_feedback_is_refused(clock, text):
    world = small_world()
    with pytest.raises(ValidationError):
        SubmitFeedback(world.uow, clock)(DIRECTOR_A, FeedbackCommand(text))
    assert world.state.feedback == {} and world.store.audit == []
