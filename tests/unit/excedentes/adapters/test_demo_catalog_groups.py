"""The demo catalog: every generated product belongs to its group (a new user found
"Atención Estomatológica — Resección total de próstata, endoscópica" and "Imagenología —
Determinación de calcio")."""

from __future__ import annotations

import pytest

from excedentes.adapters.demo_data import GROUP_SIZES, GROUPS, GUIDE_PRODUCTS, generated_names

# words that name another group's kind of work, and the only groups where they may appear
OWNED = {
    "Resección": {"Cirugía"},
    "Determinación de": {"Laboratorio de análisis clínicos"},
    "Cultivo de": {"Laboratorio de análisis clínicos"},
    "próstata": {"Cirugía", "Imagenología", "Anatomía patológica", "Medicina Nuclear",
                 "Estudios de Intervencionismo Diagnóstico",
                 "Estudios de Intervencionismo Terapéutico", "Quimioterapia", "Radioterapia"},
    "Radiografía": {"Imagenología", "Atención Estomatológica"},
    "diente": set(), "molar": {"Atención Estomatológica"},
    "Sesión de hemodiálisis": {"Hemodiálisis"},
    "quimioterapia": {"Quimioterapia"},
}


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_generated_products_belong_to_their_group(group):
    names = generated_names(group)
    assert len(set(names)) == len(names)
    guide = {name.casefold() for g, _, name, _ in GUIDE_PRODUCTS if g == group}
    # enough distinct names for the national catalog's size of the group
    assert len({n.casefold() for n in names} - guide) >= GROUP_SIZES[group][1] - len(guide)
    for word, owners in OWNED.items():
        if group not in owners:
            offending = [n for n in names if word in n]
            assert not offending, f"{group}: {offending[:3]}"
