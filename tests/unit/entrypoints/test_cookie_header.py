"""The session's cookie parser (issue 12: ``SimpleCookie`` cost more than the rest of loading a
session): on every well-formed header it reads what the standard library reads."""

from __future__ import annotations

from http.cookies import SimpleCookie

from hypothesis import given
from hypothesis import strategies as st

from entrypoints.http.sessions import _cookies

NAME = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", min_size=1,
               max_size=12).filter(lambda n: n.lower() not in ("expires", "path", "comment",
                                                             "domain", "max-age", "secure",
                                                             "httponly", "version",
                                                             "samesite", "partitioned"))
VALUE = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.=", max_size=40)


def _standard(headers: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for text in headers:
        jar: SimpleCookie = SimpleCookie()
        jar.load(text)
        for name, morsel in jar.items():
            if morsel.value:
                out.setdefault(name, morsel.value)
    return out


@given(st.lists(st.lists(st.tuples(NAME, VALUE), min_size=1, max_size=5), min_size=1,
                max_size=3), st.sampled_from(["; ", ";", " ; "]))
def test_reads_what_the_standard_library_reads(headers, sep) -> None:
    texts = [sep.join(f"{n}={v}" for n, v in pairs) for pairs in headers]
    scope = {"headers": [(b"cookie", t.encode("latin-1")) for t in texts]}
    assert _cookies(scope) == _standard(texts)


def test_a_quoted_value_goes_through_the_standard_parser() -> None:
    scope = {"headers": [(b"cookie", b'a="x y"; b=2')]}
    assert _cookies(scope) == {"a": "x y", "b": "2"}


def test_a_broken_part_spoils_only_itself() -> None:
    scope = {"headers": [(b"cookie", b"sanece_session=abc; bad name=2; =3; other=4")]}
    assert _cookies(scope) == {"sanece_session": "abc", "other": "4"}
