"""Bad input: each case gets a clear message naming the line and column, and writes nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from daur.customers.models import Customer
from daur.interchange.importer import ImportFailed, import_file
from daur.sales.models import Order, OrderLine
from daur.surveys.models import SurveyAnswer

pytestmark = pytest.mark.django_db

CUSTOMERS = "customer_id,name\nC1,Ani\nC2,Budi\n"


def failure(kind, path) -> ImportFailed:
    with pytest.raises(ImportFailed) as caught:
        import_file(kind=kind, path=path)
    return caught.value


def only(problem_list):
    assert len(problem_list) == 1, problem_list
    return problem_list[0]


@pytest.fixture
def customers(write_csv):
    import_file(kind="customers", path=write_csv("customers.csv", CUSTOMERS))


def test_wrong_encoding_names_the_line_and_writes_nothing(write_csv):
    latin1 = "customer_id,name\nC1,Ani\nC2,Jos\xe9 Ni\xf1o\nC3,Budi\n".encode("latin-1")
    error = failure("customers", write_csv("latin1.csv", latin1))
    problem = only(error.problems)
    assert problem.line == 3 and "UTF-8" in problem.reason
    assert "line 3" in error.report() and "Nothing was written" in error.report()
    assert not Customer.objects.exists()


def test_a_missing_required_column_is_named(write_csv):
    problem = only(
        failure("orders", write_csv("o.csv", "order_id,customer_id,amount\nO1,C1,5\n")).problems
    )
    assert problem.line == 1 and problem.column == "ordered_at"
    assert "required column missing" in problem.reason


def test_a_bad_date_names_line_and_column(customers, write_csv):
    text = "order_id,customer_id,ordered_at,amount\nO1,C1,2025-01-02,5\nO2,C1,02/01/2025,5\n"
    problem = only(failure("orders", write_csv("o.csv", text)).problems)
    assert (problem.line, problem.column) == (3, "ordered_at")
    assert "'02/01/2025' is not an ISO 8601 date" in problem.reason
    assert not Order.objects.exists()


def test_a_negative_quantity_is_refused(customers, write_csv):
    import_file(kind="products", path=write_csv("p.csv", "sku,name,category\nS1,Fan,cooling\n"))
    import_file(
        kind="orders",
        path=write_csv("o.csv", "order_id,customer_id,ordered_at,amount\nO1,C1,2025-01-02,5\n"),
    )
    lines = "order_id,sku,quantity,unit_price\nO1,S1,-2,5\n"
    problem = only(failure("order_lines", write_csv("l.csv", lines)).problems)
    assert (problem.line, problem.column) == (2, "quantity")
    assert "greater than zero" in problem.reason
    assert not OrderLine.objects.exists()


def test_an_amount_with_a_comma_decimal_gets_a_hint(customers, write_csv):
    text = 'order_id,customer_id,ordered_at,amount\nO1,C1,2025-01-02,"12,50"\n'
    problem = only(failure("orders", write_csv("o.csv", text)).problems)
    assert problem.column == "amount" and "12.50" in problem.reason and "dot" in problem.reason


def test_a_duplicate_id_inside_the_file_names_both_lines(write_csv):
    text = "customer_id,name\nC1,Ani\nC2,Budi\nC1,Ani again\n"
    error = failure("customers", write_csv("c.csv", text))
    problem = only(error.problems)
    assert (problem.line, problem.column) == (4, "customer_id")
    assert "duplicate of line 2" in problem.reason
    assert not Customer.objects.exists()


def test_a_reference_to_an_unknown_customer_is_a_row_error(customers, write_csv):
    text = "order_id,customer_id,ordered_at,amount\nO1,C1,2025-01-02,5\nO2,C404,2025-01-02,5\n"
    problem = only(failure("orders", write_csv("o.csv", text)).problems)
    assert (problem.line, problem.column) == (3, "customer_id")
    assert "'C404'" in problem.reason
    assert not Order.objects.exists()


def test_a_reseller_must_be_an_intermediary(customers, write_csv):
    text = "order_id,customer_id,ordered_at,amount,reseller_id\nO1,C1,2025-01-02,5,C2\n"
    problem = only(failure("orders", write_csv("o.csv", text)).problems)
    assert problem.column == "reseller_id" and "intermediary" in problem.reason


def test_an_nps_of_eleven_is_out_of_range(customers, write_csv):
    text = "customer_id,answered_at,nps\nC1,2025-01-02,10\nC2,2025-01-02,11\n"
    problem = only(failure("surveys", write_csv("s.csv", text)).problems)
    assert (problem.line, problem.column) == (3, "nps") and "0–10" in problem.reason
    assert not SurveyAnswer.objects.exists()


def test_a_ten_megabyte_field_is_refused_without_flooding_the_report(write_csv):
    huge = "x" * (10 * 1024 * 1024)
    error = failure("customers", write_csv("c.csv", f"customer_id,name\nC1,{huge}\n"))
    problem = only(error.problems)
    assert problem.column == "name" and "10,485,760 characters" in problem.reason
    assert len(error.report()) < 1000


def test_huge_numbers_are_refused(customers, write_csv):
    text = "order_id,customer_id,ordered_at,amount\nO1,C1,2025-01-02,1000000000000000000000\n"
    assert (
        "larger than the largest"
        in only(failure("orders", write_csv("o.csv", text)).problems).reason
    )


def test_hostile_strings_are_stored_verbatim(write_csv):
    names = [
        "<script>alert('x')</script>",
        "Robert'); DROP TABLE customers_customer;--",
        '=HYPERLINK("x")',
    ]
    with (path := write_csv("c.csv", "")).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer_id", "name"])
        writer.writerows([f"H{i}", name] for i, name in enumerate(names))
    import_file(kind="customers", path=path)
    assert sorted(Customer.objects.values_list("name", flat=True)) == sorted(names)


def test_an_empty_file_says_what_header_was_expected(write_csv):
    problem = only(failure("customers", write_csv("c.csv", "")).problems)
    assert problem.line == 1 and "empty" in problem.reason and "customer_id, name" in problem.reason


def test_a_file_with_only_a_header_is_refused(write_csv):
    problem = only(failure("customers", write_csv("c.csv", "customer_id,name\n")).problems)
    assert problem.line == 1 and "no rows" in problem.reason


def test_a_row_with_the_wrong_number_of_fields(write_csv):
    problem = only(
        failure("customers", write_csv("c.csv", "customer_id,name\nC1,Ani,extra\n")).problems
    )
    assert problem.line == 2 and "3 fields" in problem.reason


def test_an_unbalanced_quote_names_the_line_it_starts_on(write_csv):
    text = 'customer_id,name\nC1,Ani\nC2,"Budi\nC3,Citra\n'
    problem = only(failure("customers", write_csv("c.csv", text)).problems)
    assert problem.line == 3 and "malformed" in problem.reason


def test_a_wrong_enum_lists_the_allowed_values(write_csv):
    text = "customer_id,name,relationship\nC1,Ani,friend\n"
    problem = only(failure("customers", write_csv("c.csv", text)).problems)
    assert problem.column == "relationship" and "external, intermediary, internal" in problem.reason


def test_every_problem_of_every_row_is_reported_at_once(write_csv):
    text = "customer_id,name,email,created_at\nC1,,not-an-email,2025-13-01\nC2,Budi,,\n"
    problems = failure("customers", write_csv("c.csv", text)).problems
    assert {(p.line, p.column) for p in problems} == {(2, "name"), (2, "email"), (2, "created_at")}


def test_one_bad_row_among_many_good_ones_writes_nothing(write_csv):
    rows = "".join(f"C{i},Name {i}\n" for i in range(500)) + "C500,\n"
    failure("customers", write_csv("c.csv", "customer_id,name\n" + rows))
    assert not Customer.objects.exists()


def test_skip_invalid_writes_the_good_rows_and_a_rejects_file(customers, write_csv):
    text = (
        "order_id,customer_id,ordered_at,amount\n"
        "O1,C1,2025-01-02,5\n"
        "O2,C404,2025-01-02,5\n"
        "O3,C2,yesterday,5\n"
        "O1,C2,2025-01-03,7\n"
        "O4,C2,2025-01-04,9\n"
    )
    path = write_csv("o.csv", text)
    result = import_file(kind="orders", path=path, skip_invalid=True)
    assert (result.rows, result.created, result.rejected) == (5, 2, 3)
    assert sorted(Order.objects.values_list("external_id", flat=True)) == ["O1", "O4"]
    with open(result.rejects_path, newline="", encoding="utf-8") as handle:
        rejects = list(csv.DictReader(handle))
    assert [r["order_id"] for r in rejects] == ["O2", "O3", "O1"]
    assert [r["rejected_line"] for r in rejects] == ["3", "4", "5"]
    assert "C404" in rejects[0]["rejected_reason"] and "ordered_at" in rejects[1]["rejected_reason"]
    # The rejects file, corrected, imports on its own: its two extra columns are ignored.
    fixed = path.with_name("fixed.csv")
    fixed.write_text(
        Path(result.rejects_path)
        .read_text(encoding="utf-8")
        .replace("C404", "C1")
        .replace("yesterday", "2025-01-05")
        .replace("O1,C2", "O5,C2"),
        encoding="utf-8",
    )
    again = import_file(kind="orders", path=fixed)
    assert again.created == 3 and again.custom_columns == []
