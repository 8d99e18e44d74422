"""`daur segment create NAME --filter QUERY` and `daur segment list`; the query parser."""

from __future__ import annotations

import pytest

from daur import cli
from daur.campaigns.models import Segment
from daur.customers.query import FilterQueryError, filters_from_query, filters_query
from tests.web.factories import customer_make, run_make, score_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def base():
    run = run_make()
    for n in range(3):
        score_make(customer_make(f"Retained {n}"), stage="retention", run=run, r=5)
    score_make(customer_make("Lost one"), stage="lost", run=run, r=1)
    customer_make("Never scored")


def test_create_prints_the_size_and_list_shows_it(base, capsys):
    assert cli.main(["segment", "create", "Retained", "--filter", "?stage=retention"]) == 0
    assert "3 customers" in capsys.readouterr().out
    assert cli.main(["segment", "create", "Top R", "--filter", "rfm_r=5&cursor=x"]) == 0
    assert cli.main(["segment", "create", "All"]) == 0
    capsys.readouterr()
    assert cli.main(["segment", "list"]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert rows == [
        ["All", "5", ""], ["Retained", "3", "stage=retention"], ["Top R", "3", "rfm_r=5"]
    ]


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("colour=red", "unknown filter field 'colour'"),
        ("stage=happy", "stage: 'happy' is not one of"),
        ("rfm_r=9", "rfm_r: '9' is not a valid number"),
        ("rfm_f=x", "rfm_f: 'x' is not a valid number"),
        ("owner=-1", "owner: '-1'"),
        ("q=" + "x" * 101, "q: at most 100 characters"),
        ("stage=retention&stage=nope", "stage: 'nope'"),
        ("a=1=2&&", "not a query string"),
        ("clv_min=nan", "clv_min: 'nan' is not an amount"),
        ("clv_max=1e400", "clv_max: '1e400' is not an amount"),
        ("clv_max=lots", "clv_max: 'lots' is not an amount"),
    ],
)
def test_create_refuses_a_bad_filter_in_one_line(base, capsys, query, says):
    assert cli.main(["segment", "create", "Bad", "--filter", query]) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1 and err.startswith("daur segment create: ")
    assert not Segment.objects.exists()


def test_create_refuses_a_taken_or_empty_name(base, capsys):
    assert cli.main(["segment", "create", "Retained", "--filter", "stage=retention"]) == 0
    assert cli.main(["segment", "create", " retained ", "--filter", "stage=lost"]) == 2
    assert "exists already" in capsys.readouterr().err
    assert cli.main(["segment", "create", "   "]) == 2
    assert cli.main(["segment", "create", "x" * 101]) == 2
    assert Segment.objects.count() == 1


def test_list_says_when_there_is_none(db, capsys):
    assert cli.main(["segment", "list"]) == 0
    assert "No segments yet" in capsys.readouterr().out


def test_the_canonical_query_reads_back_as_the_same_filters():
    query = "city=Bandung&stage=active&rfm_r=5&type=loyal&sort=clv&owner=3&q=b%26c&clv_min=2.5"
    filters = filters_from_query(query)
    assert filters.q == "b&c" and filters.rfm_r == 5 and filters.owner == 3
    assert filters.clv_min == 2.5
    assert filters_from_query(filters_query(filters)) == filters
    assert filters_query(filters_from_query("stage=&cursor=abc")) == ""
    with pytest.raises(FilterQueryError):
        filters_from_query("stage=active&x\x00=1")


def test_a_clv_range_narrows_the_segment_and_the_list_alike(db, capsys):
    run = run_make()
    for clv in (10.0, 100.0, 1000.0, None):
        score_make(customer_make(), run=run, clv=clv)
    assert cli.main(["segment", "create", "Mid", "--filter", "clv_min=50&clv_max=1000"]) == 0
    assert "2 customers" in capsys.readouterr().out
