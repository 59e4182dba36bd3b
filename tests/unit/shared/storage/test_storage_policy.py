from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.storage.domain import (
    JPEG,
    PDF,
    PNG,
    FileTooLarge,
    FileTypeNotAllowed,
    UploadPolicy,
    check_logical_key,
    display_name,
    sniff,
)


@given(st.integers(min_value=1, max_value=10**9), st.integers(min_value=0, max_value=2 * 10**9))
def test_size_limit_is_exact(limit, seen):
    policy = UploadPolicy.pdf_only(limit)
    if seen > limit:
        with pytest.raises(FileTooLarge):
            policy.check_size(seen)
    else:
        policy.check_size(seen)


@given(st.binary(max_size=32))
def test_sniff_only_accepts_known_signatures(data):
    kind = sniff(data)
    assert kind in (None, PDF, PNG, JPEG)
    if kind == PDF:
        assert data.startswith(b"%PDF-")


def test_executable_renamed_pdf_is_refused():
    policy = UploadPolicy.pdf_or_image(1000)
    for head in (b"MZ\x90\x00\x03\x00\x00\x00", b"\x7fELF\x02\x01\x01\x00", b"#!/bin/sh\n"):
        with pytest.raises(FileTypeNotAllowed):
            policy.check_type(head)
    assert policy.check_type(b"%PDF-1.7\n") == PDF
    assert policy.check_type(b"\x89PNG\r\n\x1a\n") == PNG
    with pytest.raises(FileTypeNotAllowed):
        UploadPolicy.pdf_only(1000).check_type(b"\x89PNG\r\n\x1a\n")


@given(st.text(max_size=300))
def test_display_name_never_carries_a_path(name):
    shown = display_name(name)
    assert "/" not in shown and "\\" not in shown and not shown.startswith(".")
    assert 0 < len(shown) <= 120


@pytest.mark.parametrize("key", ["../etc", "a/../b", "/abs", "a//b", "a/b/", ""])
def test_logical_keys_cannot_escape(key):
    with pytest.raises(ValueError):
        check_logical_key(key)
