"""The storage port on the local filesystem and on S3 (moto's server on 127.0.0.1)."""

from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest

from shared.storage.adapters.local import LocalFileStorage
from shared.storage.adapters.s3 import S3FileStorage
from shared.storage.adapters.selector import ConfiguredStorageSelector

NOW = datetime(2026, 3, 10, 16, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def moto_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path, monkeypatch):
    if request.param == "local":
        return LocalFileStorage(tmp_path / "files", lambda: NOW)
    endpoint = request.getfixturevalue("moto_endpoint")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    s3 = S3FileStorage.from_settings(bucket=f"b-{tmp_path.name[-20:].lower().replace('_', '-')}",
                                     endpoint_url=endpoint, region="us-east-1", now=lambda: NOW)
    s3._client.create_bucket(Bucket=s3.bucket)
    return s3


def test_put_open_list_delete(storage):
    body = b"%PDF-1.4\n" + b"x" * 3_000_000
    first = storage.put("excedentes/signed/IMSS/2026/09", io.BytesIO(body), content_type="application/pdf",
                        original_name="Reporte firmado ñ.pdf")
    second = storage.put("excedentes/signed/IMSS/2026/09", io.BytesIO(b"%PDF-2"), content_type="application/pdf",
                         original_name="v2.pdf")
    assert first.size == len(body) and first.key != second.key
    with storage.open(first.key) as fh:
        assert fh.read() == body
    versions = storage.list_versions("excedentes/signed/IMSS/2026/09")
    assert [v.key for v in versions] == sorted([first.key, second.key])
    assert {v.original_name for v in versions} == {"Reporte firmado ñ.pdf", "v2.pdf"}
    assert all(v.sha256 for v in versions)
    storage.delete(first.key)
    assert [v.key for v in storage.list_versions("excedentes/signed/IMSS/2026/09")] == [second.key]
    assert storage.list_versions("nothing/here") == []


def test_keys_cannot_escape_the_root(tmp_path):
    local = LocalFileStorage(tmp_path / "files", lambda: NOW)
    with pytest.raises(ValueError):
        local.put("../outside", io.BytesIO(b"x"), content_type="application/pdf", original_name="x")
    with pytest.raises((ValueError, FileNotFoundError)):
        local.open("../../etc/passwd")


def test_selector_chooses_per_institution(tmp_path):
    made = []

    def local():
        made.append("local")
        return LocalFileStorage(tmp_path, lambda: NOW)

    selector = ConfiguredStorageSelector({"local": local, "s3": lambda: "S3"}, "local", {"IMSS": "s3"})
    assert selector.for_institution("imss") == "S3"
    assert isinstance(selector.for_institution("SS"), LocalFileStorage)
    selector.for_institution(None)
    assert made == ["local"]  # built once
    with pytest.raises(ValueError):
        ConfiguredStorageSelector({"local": local}, "local", {"IMSS": "ftp"})


def test_selector_institution_setting_pin_and_stored_backend(tmp_path):
    """Where new files go: the operator's pin (STORAGE_BY_INSTITUTION), else the institution's
    own setting, else the default; a stored file is opened from the backend it names."""
    from shared.kernel.errors import ValidationError

    local = LocalFileStorage(tmp_path, lambda: NOW)
    selector = ConfiguredStorageSelector({"local": lambda: local, "s3": lambda: "S3"}, "local",
                                         {"IMSS": "local"})
    assert selector.backends == frozenset({"local", "s3"})
    assert selector.for_institution("SS", "s3") == "S3"  # its own setting
    assert selector.for_institution("imss", "s3") is local  # pinned by the operator
    assert selector.for_institution("SS") is local  # no setting: the default
    assert selector.backend("s3") == "S3" and selector.backend(None) is local
    only_local = ConfiguredStorageSelector({"local": lambda: local}, "local", {})
    with pytest.raises(ValidationError, match="«s3» no está configurado"):
        only_local.for_institution("SS", "s3")


def test_reachable_says_whether_the_storage_can_be_used(storage, tmp_path, moto_endpoint):
    """The health check's question, on both backends: a usable one says yes; a files root
    under a file, or a bucket that does not exist, says no."""
    assert storage.reachable()
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    assert not LocalFileStorage(blocker / "files", lambda: NOW).reachable()
    missing = S3FileStorage.from_settings(bucket="no-such-bucket-here", endpoint_url=moto_endpoint,
                                          region="us-east-1", now=lambda: NOW)
    assert not missing.reachable()
    selector = ConfiguredStorageSelector({"local": lambda: storage, "s3": lambda: missing}, "local", {})
    assert selector.unreachable() == ["s3"]
