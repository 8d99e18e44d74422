"""`daur duplicates FILE`, `daur merge`, and the customers import's duplicate warnings."""

from __future__ import annotations

import csv

import pytest

from daur import cli
from daur.customers.models import Customer, CustomerMerge
from daur.sales.models import Order
from tests.duplicates.factories import customer, related_everything

pytestmark = pytest.mark.django_db


@pytest.fixture
def base():
    customer("C1", "Adi Putra", email="Adi.Putra@example.com", phone="0812-3456-7890")
    customer("C2", "adi putra", email="adi.putra@example.com ")
    customer("C3", "Adi Putra", email="another@example.com", phone="0813 0000 1111")  # namesake
    customer("C4", "Budi Santoso", phone="+62 811 2222 3333", city="Bandung")
    customer("C5", "Budi Sentoso", phone="0811-2222-3333", city="bandung")


def test_duplicates_writes_the_pairs_as_csv_with_the_spec_columns(base, tmp_path, capsys):
    out = tmp_path / "dupes.csv"
    assert cli.main(["duplicates", str(out)]) == 0
    assert "2 suspected duplicate pairs" in capsys.readouterr().out
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["customer_id_a", "customer_id_b", "score", "evidence"]
    pairs = {(a, b): (float(score), evidence) for a, b, score, evidence in rows[1:]}
    assert set(pairs) == {("C1", "C2"), ("C4", "C5")}
    assert all(0 <= score <= 1 for score, _ in pairs.values())
    assert "same e-mail adi.putra@example.com" in pairs["C1", "C2"][1]
    assert "same phone +6281122223333" in pairs["C4", "C5"][1]


def test_duplicates_refuses_a_bad_threshold_or_path(base, tmp_path):
    assert cli.main(["duplicates", str(tmp_path / "x.csv"), "--threshold", "2"]) == 2
    assert cli.main(["duplicates", str(tmp_path / "missing" / "x.csv")]) == 2


def test_merge_and_undo_from_the_command_line(base, capsys):
    related_everything(Customer.objects.get(external_id="C2"))
    assert cli.main(["merge", "C1", "C2"]) == 0
    out = capsys.readouterr().out
    merge = CustomerMerge.objects.get()
    assert f"Merged C2 into C1 (merge {merge.pk}" in out and "1 sales.Order.customer" in out
    assert Order.objects.filter(customer__external_id="C1").count() == 1
    assert cli.main(["merge", "--undo", str(merge.pk)]) == 0
    assert "C2 restored" in capsys.readouterr().out
    assert Order.objects.filter(customer__external_id="C2").count() == 1


def test_merge_records_the_user_named_by_user_and_says_when_none(base, capsys):
    from daur.accounts.models import User

    rep = User.objects.create_user("ana", password="x", role="manager")
    assert cli.main(["merge", "C1", "C2", "--user", "ana"]) == 0
    assert "recorded as by ana" in capsys.readouterr().out
    merge = CustomerMerge.objects.get()
    assert merge.merged_by == rep
    assert cli.main(["merge", "--undo", str(merge.pk)]) == 0
    assert "recorded with no user" in capsys.readouterr().out
    merge.refresh_from_db()
    assert merge.undone_at is not None and merge.undone_by is None


def test_merge_refuses_an_unknown_or_inactive_user_and_merges_nothing(base, capsys):
    from daur.accounts.models import User

    User.objects.create_user("gone", password="x", is_active=False)
    for name in ("nobody", "gone"):
        assert cli.main(["merge", "C1", "C2", "--user", name]) == 2
        assert f"no active user is named '{name}'" in capsys.readouterr().err
    assert Customer.objects.count() == 5 and not CustomerMerge.objects.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["merge", "C1", "C1"], "into itself"),
        (["merge", "C1", "NOPE"], "no customer has the id NOPE"),
        (["merge", "NOPE", "C2"], "no customer has the id NOPE"),
        (["merge", "C1"], "at least one DUPLICATE_ID"),
        (["merge", "--undo", "99"], "no merge has the id 99"),
        (["merge", "C1", "--undo", "1"], "takes no customer ids"),
    ],
)
def test_merge_refusals_exit_2_with_one_line(base, capsys, argv, message):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert Customer.objects.count() == 5


def test_import_warns_of_new_rows_like_existing_customers_without_blocking(base, tmp_path, capsys):
    path = tmp_path / "new.csv"
    path.write_text(
        "customer_id,name,email,phone\n"
        "N1,ADI PUTRA,adi.putra@EXAMPLE.com,\n"  # like C1 and C2
        "N2,Citra Lestari,citra@example.com,\n"  # new
        "N3,Adi Putra,adi.p@other.id,0819 9999 0000\n"  # a namesake: no warning
        "C4,Budi Santoso,,+62 811 2222 3333\n",  # an update, not a new row
        encoding="utf-8",
    )
    assert cli.main(["import", "customers", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "1 new customers look like customers already in the base:" in out
    assert "line 2, N1: like C" in out and "(and 1 more)" in out
    assert "N2" not in out and "N3" not in out
    assert Customer.objects.count() == 5
    assert cli.main(["import", "customers", str(path)]) == 0
    assert "line 2, N1" in capsys.readouterr().out
    assert Customer.objects.count() == 8  # warned, not blocked


def test_help_lists_duplicates_and_merge(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert "duplicates" in out and "merge" in out
