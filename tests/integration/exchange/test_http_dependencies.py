"""The exchange handlers get their use case from the container on every request: a test that
overrides ``run_analysis`` after the app is built sees its own use case run, and the original
again once the override is reset."""

from __future__ import annotations

from typing import Any

from dependency_injector import providers

from exchange.application.use_cases import RunExchangeAnalysis, RunExchangeCommand
from tests.helpers import api_csrf

from .support import login_as, make_users


def test_an_overridden_use_case_serves_the_request(client, container, xworld):
    make_users(container, "admin")
    login_as(client, "admin")
    headers = {"X-CSRF-Token": api_csrf(client)}
    ran: list[int] = []

    class RecordingRun(RunExchangeAnalysis):
        def __call__(self, actor: Any, cmd: RunExchangeCommand) -> Any:
            ran.append(cmd.year)
            return super().__call__(actor, cmd)

    run_analysis = container.exchange.run_analysis
    with run_analysis.override(providers.Factory(RecordingRun, **run_analysis.kwargs)):
        first = client.post("/api/excedentes/intercambios", headers=headers, json={"year": 2026})
    assert first.status_code == 201, first.text
    assert ran == [2026]
    # the override is gone: the next request builds the container's own use case
    again = client.post("/api/excedentes/intercambios", headers=headers, json={"year": 2026})
    assert again.status_code == 201, again.text
    assert ran == [2026]
    assert again.json()["analysis"]["id"] == first.json()["analysis"]["id"] + 1
