from __future__ import annotations

import pytest

from shared.config import Settings


def test_defaults_and_generated_secret(tmp_path):
    env = {"VAR_DIR": str(tmp_path)}
    s = Settings.from_env(env)
    assert s.database_url == f"sqlite:///{tmp_path / 'app.db'}"
    assert (tmp_path / "secret_key").exists()
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert Settings.from_env(env).secret_key == s.secret_key  # stable across runs
    assert s.host == "127.0.0.1" and s.port == 8000 and s.storage_default == "local"


def test_storage_per_institution(tmp_path):
    s = Settings.from_env({"VAR_DIR": str(tmp_path), "STORAGE_BY_INSTITUTION": "imss=s3, SS=local",
                           "S3_BUCKET": "b", "SECRET_KEY": "k"})
    assert s.storage_by_institution == {"IMSS": "s3", "SS": "local"}


@pytest.mark.parametrize("env", [
    {"PORT": "ochenta"},
    {"STORAGE_DEFAULT": "ftp"},
    {"STORAGE_DEFAULT": "s3"},  # no bucket
    {"STORAGE_BY_INSTITUTION": "IMSS"},
    {"SESSION_IDLE_MINUTES": "0"},
])
def test_bad_configuration_is_refused(tmp_path, env):
    with pytest.raises(ValueError):
        Settings.from_env({"VAR_DIR": str(tmp_path), "SECRET_KEY": "k", **env})
