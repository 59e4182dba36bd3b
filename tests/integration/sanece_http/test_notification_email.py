"""The e-mail copy of a notification, through the SMTP adapter, against a real SMTP server
(aiosmtpd) started by the test on 127.0.0.1: only users with an address kept by the operator
receive one, and it carries the notification's title and link, nothing else."""

from __future__ import annotations

import socket
from email import message_from_bytes
from typing import Any, Iterator

import attrs
import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from entrypoints.cli.main import cli
from sanece.application.use_cases.requests import FileExpiryChangeCommand
from sanece.application.use_cases.review import RejectCommand
from tests.integration.sanece.support import F_VALID, REVISOR, pdf_upload


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Any]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    handler, port = Inbox(), _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def settings(settings, smtp):  # the sanece HTTP settings, with SMTP_URL on the local server
    return attrs.evolve(settings, smtp_url=f"smtp://127.0.0.1:{smtp[1]}",
                        smtp_from="SAnECE <avisos@sanece.test>",
                        public_url="https://sanece.example.org")


# The mail path does not depend on the database: SQLite only (the inbox itself is tested on
# both databases in test_notifications).
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_decision_is_copied_by_email_to_the_recorded_address_only(world, as_user, container,
                                                                    smtp):
    server, _ = smtp
    as_user("dir_a"), as_user("dir_b")
    runner = CliRunner()
    saved = runner.invoke(cli, ["notifications", "email", "dir_a", "director.a@example.org"],
                          obj={"container": container})
    assert saved.exit_code == 0, saved.output
    filed = world.san.file_expiry_change()(world.director_a, FileExpiryChangeCommand(
        F_VALID, "extension", "Desabasto", "No se surtió el medicamento en enero.",
        [pdf_upload("nota.pdf")])).ids[0]
    world.san.reject_request()(REVISOR, RejectCommand(filed, "Falta la nota médica."))
    assert container.project_notifications()() == 1

    assert len(server.messages) == 1
    recipients, message = server.messages[0]
    assert recipients == ["director.a@example.org"]
    assert message["From"] == "SAnECE <avisos@sanece.test>"
    assert message["Subject"].startswith(f"SAnECE: Solicitud {filed} (")
    body = message.get_payload(decode=True).decode("utf-8")
    assert f"https://sanece.example.org/sanece/solicitudes/{filed}" in body
    assert "Falta la nota" not in body  # the reason stays in the product

    # projecting again sends nothing more
    assert container.project_notifications()() == 0
    assert len(server.messages) == 1
