"""Exporting: every kind round-trips losslessly through export and import."""

from __future__ import annotations

import pytest
from django.apps import apps

from daur.interchange.exporter import export_file
from daur.interchange.importer import import_file
from daur.interchange.kinds import KINDS

from .samples import IMPORT_ORDER

pytestmark = pytest.mark.django_db


def export_all(directory) -> dict[str, str]:
    texts = {}
    for kind in IMPORT_ORDER:
        path = directory / f"{kind}.out.csv"
        export_file(kind=kind, path=str(path))
        texts[kind] = path.read_text(encoding="utf-8")
    return texts


def test_export_then_import_into_an_empty_base_gives_back_the_same_files(sample_business, tmp_path):
    first = export_all(tmp_path)
    for kind in reversed(IMPORT_ORDER):
        apps.get_model(KINDS[kind].model).objects.all().delete()
    for kind in IMPORT_ORDER:
        result = import_file(kind=kind, path=tmp_path / f"{kind}.out.csv")
        assert result.created == result.rows, kind
    (tmp_path / "again").mkdir()
    assert export_all(tmp_path / "again") == first


def test_reimporting_an_export_changes_nothing(sample_business, tmp_path):
    export_all(tmp_path)
    for kind in IMPORT_ORDER:
        result = import_file(kind=kind, path=tmp_path / f"{kind}.out.csv")
        assert result.unchanged == result.rows, kind


def test_the_export_has_the_spec_columns_then_custom_fields(sample_business, tmp_path):
    texts = export_all(tmp_path)
    header = texts["customers"].splitlines()[0].split(",")
    assert header[:13] == [
        "customer_id",
        "name",
        "kind",
        "relationship",
        "email",
        "phone",
        "country",
        "city",
        "industry",
        "acquired_via",
        "campaign_id",
        "referred_by",
        "created_at",
    ]
    assert header[-1] == "loyalty_card"
    assert texts["orders"].splitlines()[0] == (
        "order_id,customer_id,ordered_at,amount,currency,discount_amount,coupon_code,channel,reseller_id"
    )
