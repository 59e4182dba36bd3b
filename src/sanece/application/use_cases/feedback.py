"""S15 Comentarios o sugerencias: an in-app form whose entries the administrators read
(``SaneceQueries.feedback``; ``sanece-admin sanece feedback list``)."""

from __future__ import annotations

import attrs

from sanece.application.access import Actor, director_unit, require_sanece
from sanece.application.use_cases._common import UseCase, audit
from sanece.domain.feedback import Feedback, FeedbackKind
from shared.kernel.errors import ValidationError


@attrs.frozen
class FeedbackCommand:
    text: str
    kind: FeedbackKind | str = FeedbackKind.COMMENT


@attrs.define
class SubmitFeedback(UseCase):
    """Any SAnECE user; a director's entry records their unit. Returns the entry's id."""

    def __call__(self, actor: Actor, cmd: FeedbackCommand) -> int:
        require_sanece(actor.scope)
        try:
            kind = FeedbackKind(cmd.kind)
        except ValueError:
            raise ValidationError("Elige el tipo de comentario.",
                                  log_message=f"bad feedback kind {cmd.kind!r}") from None
        feedback = Feedback(kind=kind, text=cmd.text, author=actor.username,
                            role=actor.scope.role.value, unit_id=director_unit(actor.scope),
                            submitted_at=self.clock.now())
        with self.uow_factory() as uow:
            feedback_id = uow.feedback.add(feedback)
            audit(uow, self.clock, actor, "feedback_submitted", "sanece_feedback",
                  str(feedback_id), after={"kind": kind.value, "unit_id": feedback.unit_id})
            uow.commit()
            return feedback_id
