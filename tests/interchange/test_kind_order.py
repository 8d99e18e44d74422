"""The nine kinds' names and import order (daur.vocabulary) agree with the kinds' definitions."""

from daur.interchange.kinds import KINDS
from daur.vocabulary import INTERCHANGE_IMPORT_ORDER, INTERCHANGE_KINDS


def test_the_named_kinds_are_the_defined_ones_in_the_spec_order():
    assert tuple(KINDS) == INTERCHANGE_KINDS


def test_every_kind_is_imported_after_the_kinds_its_rows_refer_to():
    assert sorted(INTERCHANGE_IMPORT_ORDER) == sorted(INTERCHANGE_KINDS)
    kind_of_model = {kind.model: name for name, kind in KINDS.items()}
    for position, name in enumerate(INTERCHANGE_IMPORT_ORDER):
        for column in KINDS[name].columns:
            target = kind_of_model.get(column.reference.model) if column.reference else None
            if target is None or target == name:  # users, or a row of the same file
                continue
            assert INTERCHANGE_IMPORT_ORDER.index(target) < position, (name, column.name, target)
