"""An S3 installation whose bucket does not exist yet (moto, in process): ``demo load`` refuses
with one ``Error:`` line and writes nothing; ``storage check`` says so; ``storage check
--create`` makes the bucket, after which the check passes."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from entrypoints.cli.main import cli


@pytest.fixture
def s3_container(tmp_path, db_url, clock, monkeypatch):
    from dependency_injector import providers
    from moto import mock_aws

    from entrypoints.container import build_container
    from shared.config import Settings

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    with mock_aws():
        settings = Settings.from_env({
            "VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": db_url, "SECRET_KEY": "test",
            "LOG_LEVEL": "WARNING", "STORAGE_DEFAULT": "s3", "S3_BUCKET": "sanece-nuevo",
            "S3_REGION": "us-east-1"})
        c = build_container(settings)
        c.clock.override(providers.Object(clock))
        yield c
        c.engine().dispose()


def _run(container, *args: str):
    return CliRunner().invoke(cli, list(args), obj={"container": container})


def test_a_missing_bucket_is_one_error_line_and_storage_check_creates_it(s3_container):
    demo = _run(s3_container, "demo", "load")
    assert demo.exit_code == 1
    lines = [line for line in demo.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: no responde el almacenamiento s3")
    assert s3_container.identity().list_users() == []  # nothing was loaded

    check = _run(s3_container, "storage", "check")
    assert check.exit_code == 1 and check.output.startswith("Error: no responde el almacenamiento s3")
    created = _run(s3_container, "storage", "check", "--create")
    assert created.exit_code == 0, created.output
    assert "Almacenamiento s3: creado." in created.output
    assert "Almacenamiento listo: local, s3." in created.output
    again = _run(s3_container, "storage", "check", "--create")  # idempotent
    assert again.exit_code == 0 and "creado" not in again.output
