"""Kept for the excedentes and exchange imports: ``Fragments`` lives in
``entrypoints.http.fragments`` (the sanece pages use it too)."""

from entrypoints.http.fragments import KEPT, Fragments

__all__ = ["KEPT", "Fragments"]
