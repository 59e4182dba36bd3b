"""The e-mail side's pure parts: an operator's address is checked for its shape, SMTP_URL is
parsed into the adapter's settings, and a bad SMTP_URL stops the configuration."""

from __future__ import annotations

import pytest

from shared.config import Settings
from shared.kernel.errors import ValidationError
from shared.notifications.adapters.smtp import SmtpMailer
from shared.notifications.application import clean_email


def test_addresses_are_checked_for_their_shape():
    assert clean_email("  director@imss.gob.mx ") == "director@imss.gob.mx"
    assert clean_email("") is None
    for bad in ("director", "a@b", "a b@c.mx", "a@c.mx,b@c.mx", "a@c.mx;b@c.mx", "@c.mx"):
        with pytest.raises(ValidationError, match="Correo electrónico no válido"):
            clean_email(bad)


def test_smtp_url_is_parsed():
    plain = SmtpMailer.from_url("smtp://127.0.0.1:2525", "SAnECE <a@b.mx>")
    assert (plain.host, plain.port, plain.tls, plain.starttls, plain.username) == (
        "127.0.0.1", 2525, False, False, None)
    secure = SmtpMailer.from_url("smtps://user%40x:p%3Ass@mail.example.org", "a@b.mx")
    assert (secure.port, secure.tls, secure.username, secure.password) == (
        465, True, "user@x", "p:ss")
    assert SmtpMailer.from_url("smtp://mail:587?starttls=1", "a@b.mx").starttls
    with pytest.raises(ValueError):
        SmtpMailer.from_url("http://mail", "a@b.mx")


def test_a_bad_smtp_url_stops_the_configuration(tmp_path):
    env = {"VAR_DIR": str(tmp_path), "SECRET_KEY": "x"}
    assert Settings.from_env(env).smtp_url is None  # off by default
    with pytest.raises(ValueError, match="SMTP_URL"):
        Settings.from_env({**env, "SMTP_URL": "mail.example.org:25"})
