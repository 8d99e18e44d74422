"""The customer list: role scope, search, filters, keyset pages, htmx partials, CSV export."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlparse

import pytest

from daur.customers.selectors import CustomerFilters, customer_get, customer_list
from tests.web.factories import customer_make, score_make, user_make

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [c.name for c in response.context["page"].customers]


def test_a_rep_lists_only_their_customers_and_gets_404_for_others(client, rep):
    other = user_make("rep2")
    mine = customer_make("Mine", owner=rep)
    theirs = customer_make("Theirs", owner=other)
    response = client.get("/customers/")
    assert names(response) == ["Mine"]
    assert client.get(f"/customers/{mine.pk}/").status_code == 200
    assert client.get(f"/customers/{theirs.pk}/").status_code == 404
    with pytest.raises(Exception) as raised:
        customer_get(user=rep, customer_id=theirs.pk)
    assert raised.type.__name__ == "Http404"


def test_a_rep_cannot_widen_the_scope_with_the_owner_filter(client, rep):
    other = user_make("rep2")
    customer_make("Theirs", owner=other)
    assert names(client.get(f"/customers/?owner={other.pk}")) == []


def test_managers_and_marketers_see_everyone(client):
    rep = user_make("rep2")
    customer_make("A", owner=rep)
    customer_make("B")
    for role in ("manager", "marketer", "admin"):
        client.force_login(user_make(f"u-{role}", role=role))
        assert sorted(names(client.get("/customers/"))) == ["A", "B"], role


def test_search_by_name_prefix_contains_email_phone_and_id(client, manager):
    a = customer_make("Andi Wijaya", email="andi@example.com", phone="+62811000")
    customer_make("Budi Andika")
    # By default a word typed finds the names with a word starting so (issue 12: a surname
    # typed found nothing when the default was the start of the whole name).
    assert sorted(names(client.get("/customers/?q=andi"))) == ["Andi Wijaya", "Budi Andika"]
    assert names(client.get("/customers/?q=andi&match=prefix")) == ["Andi Wijaya"]
    assert sorted(names(client.get("/customers/?q=andi&match=contains"))) == [
        "Andi Wijaya", "Budi Andika"]
    assert names(client.get("/customers/?q=andi@exa")) == ["Andi Wijaya"]
    assert names(client.get("/customers/?q=%2B62811")) == ["Andi Wijaya"]
    assert names(client.get(f"/customers/?q={a.external_id}")) == ["Andi Wijaya"]


def test_a_surname_or_any_word_of_the_name_finds_the_customer(client, manager):
    customer_make("Adi Putra")
    customer_make("Putri Sari")
    customer_make("Komputra Jaya")  # "putra" inside a word, not starting one
    customer_make("Dewi Lestari Putranto")
    assert sorted(names(client.get("/customers/?q=Putra"))) == ["Adi Putra", "Dewi Lestari Putranto"]
    assert names(client.get("/customers/?q=putra+adi")) == ["Adi Putra"]
    assert names(client.get("/customers/?q=lest")) == ["Dewi Lestari Putranto"]
    assert names(client.get("/customers/?q=Putra&match=prefix")) == []
    assert sorted(names(client.get("/customers/?q=putra&match=contains"))) == [
        "Adi Putra", "Dewi Lestari Putranto", "Komputra Jaya"]
    # One or two letters: the names starting so (no trigram to look up; typed as one starts).
    assert names(client.get("/customers/?q=pu")) == ["Putri Sari"]
    # Listed by name, by CLV and by date alike.
    for sort in ("name", "created"):
        assert len(names(client.get(f"/customers/?q=putra&sort={sort}"))) == 2, sort


def test_filters_by_score_market_and_relationship(client, manager):
    a = customer_make("Loyal one", country="ID", city="Bandung", relationship="intermediary")
    score_make(a, stage="retention", types=("loyal", "affluent"), r=5, f=5, strategy="protect")
    b = customer_make("Lapsed one", country="IT", city="Milano")
    score_make(b, stage="lapsed", types=("discount",), r=1, f=1, strategy="regain")
    customer_make("Unscored")
    cases = {
        "stage=retention": ["Loyal one"],
        "type=discount": ["Lapsed one"],
        "type=affluent": ["Loyal one"],
        "segment=Lost": ["Lapsed one"],
        "strategy=protect": ["Loyal one"],
        "rfm_r=5&rfm_f=5": ["Loyal one"],
        "country=IT": ["Lapsed one"],
        "city=Bandung": ["Loyal one"],
        "relationship=intermediary": ["Loyal one"],
        "stage=nonsense": ["Lapsed one", "Loyal one", "Unscored"],  # a bad value is ignored
    }
    for query, expected in cases.items():
        assert names(client.get(f"/customers/?{query}")) == expected, query


def test_keyset_pages_cover_every_customer_once_in_each_sort(manager):
    for i in range(23):
        c = customer_make(f"Name {i % 7}")  # duplicate names: the id breaks ties
        score_make(c, clv=float(i % 5), p_alive=(i % 3) / 3)
    for sort in ("name", "clv", "p_alive", "created"):
        seen, cursor = [], ""
        while True:
            page = customer_list(
                user=manager, filters=CustomerFilters(sort=sort, cursor=cursor), limit=5
            )
            seen += [c.pk for c in page.customers]
            if not page.next_cursor:
                break
            cursor = page.next_cursor
        assert len(seen) == len(set(seen)) == 23, sort


def test_the_next_page_link_carries_the_filters_and_a_cursor(client, manager, settings):
    for i in range(60):
        customer_make(f"Shop {i:02d}", country="ID")
    response = client.get("/customers/?country=ID")
    body = response.content.decode()
    assert "Next page" in body
    href = body.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    query = parse_qs(urlparse(href).query)
    assert query["country"] == ["ID"] and query["cursor"]
    second = client.get(href)
    assert names(second)[0] == "Shop 50" and len(names(second)) == 10
    assert "OFFSET" not in str(second.context["page"])


def test_htmx_gets_the_table_partial_only(client, manager):
    customer_make("Ani")
    full = client.get("/customers/").content.decode()
    partial = client.get("/customers/", headers={"HX-Request": "true"}).content.decode()
    assert "<html" in full and "<html" not in partial
    assert "Ani" in partial and "<form" not in partial


def test_the_list_query_count_does_not_grow_with_the_page(client, manager,
                                                          django_assert_max_num_queries):
    for i in range(40):
        score_make(customer_make(f"C{i}", owner=manager), types=("loyal",))
    with django_assert_max_num_queries(8):
        client.get("/customers/?sort=clv")


def test_the_csv_export_streams_the_current_filter(client, manager):
    score_make(customer_make("=HYPERLINK(1)", country="ID"), stage="retention")
    score_make(customer_make("Other", country="IT"), stage="lapsed")
    response = client.get("/customers/export.csv?country=ID")
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["customer_id", "name", "kind"]
    assert len(rows) == 2
    assert rows[1][1] == "'=HYPERLINK(1)"  # a spreadsheet will not run it
    # The stage by name, its code beside it (issue 12: names for people, codes for machines).
    assert rows[1][rows[0].index("lifecycle_stage")] == "Retention"
    assert rows[1][rows[0].index("lifecycle_stage_code")] == "retention"


def _export(client, query: str = "") -> list[dict[str, str]]:
    response = client.get(f"/customers/export.csv{query}")
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_export_rounds_labels_in_the_users_language_and_names_the_currency(client, manager):
    from tests.web.factories import run_make

    run_make(currency="IDR")
    owner = user_make("sr9", first_name="Siti", last_name="Rahma")
    customer = customer_make("Rounded", owner=owner, relationship="intermediary")
    score_make(customer, types=("loyal", "affluent"), p_alive=0.123456, clv=1234567.891,
               strategy="protect", stage="retention")
    [row] = _export(client)
    assert row["p_alive"] == "0.123"
    assert row["clv_12m"] == "1234568"  # IDR: no minor unit
    assert row["currency"] == "IDR"
    assert (row["lifecycle_stage"], row["lifecycle_stage_code"]) == ("Retention", "retention")
    assert (row["strategy"], row["strategy_code"]) == ("Protect", "protect")
    assert (row["types"], row["types_code"]) == ("Loyal;Affluent", "loyal;affluent")
    assert (row["relationship"], row["relationship_code"]) == ("Intermediary", "intermediary")
    assert (row["owner"], row["owner_username"]) == ("Siti Rahma", "sr9")
    client.cookies["django_language"] = "it"
    [row] = _export(client)
    assert (row["lifecycle_stage"], row["lifecycle_stage_code"]) == ("Fidelizzazione", "retention")
    assert row["clv_12m"] == "1234568"  # numbers for machines: no grouping, a point


def test_the_export_keeps_two_decimals_for_a_currency_with_cents(client, manager):
    from tests.web.factories import run_make

    run_make(currency="EUR")
    score_make(customer_make("Cents"), clv=12.3456, p_alive=0.9999)
    [row] = _export(client)
    assert (row["clv_12m"], row["currency"], row["p_alive"]) == ("12.35", "EUR", "1.000")
    customer_make("Unscored")
    unscored = next(r for r in _export(client) if r["name"] == "Unscored")
    assert (unscored["clv_12m"], unscored["currency"], unscored["lifecycle_stage"]) == ("", "", "")


def test_a_reps_export_holds_only_their_customers(client, rep):
    customer_make("Mine", owner=rep)
    customer_make("Theirs", owner=user_make("rep2"))
    content = b"".join(client.get("/customers/export.csv").streaming_content).decode()
    assert "Mine" in content and "Theirs" not in content


def test_a_score_filter_lists_by_clv_unless_another_order_is_asked(client, manager):
    for name, clv in (("A", 1.0), ("B", 3.0), ("C", 2.0)):
        score_make(customer_make(name), stage="retention", r=5, f=5, clv=clv)
    customer_make("Unscored")
    assert names(client.get("/customers/?stage=retention")) == ["B", "C", "A"]
    assert names(client.get("/customers/?rfm_r=5&rfm_f=5")) == ["B", "C", "A"]
    assert names(client.get("/customers/?stage=retention&sort=name")) == ["A", "B", "C"]
    assert names(client.get("/customers/")) == ["A", "B", "C", "Unscored"]


def test_the_rows_show_labels_money_and_link_to_the_360(client, manager):
    c = customer_make("Row", city="Milano", country="IT", owner=manager)
    score_make(c, stage="lapsed", types=("loyal", "discount"), p_alive=0.25, clv=1234567.0)
    body = client.get("/customers/").content.decode()
    row = body.split(f'href="/customers/{c.pk}/">Row</a>')[1].split("</tr>")[0]
    for text in ("Milano, IT", "Lapsed", "Loyal", "Discount-driven", "0.25", "IDR 1,234,567",
                 "Enhance"):
        assert text in row, text


def test_a_name_prefix_search_pages_through_every_match_once_whatever_the_case(manager):
    for i, name in enumerate(["Andi", "ANDI", "andi", "Anita", "Budi", "Randi"] * 3):
        customer_make(f"{name} {i}")
    seen, cursor = [], ""
    while True:
        page = customer_list(
            user=manager, filters=CustomerFilters(q="an", cursor=cursor), limit=4
        )
        seen += [c.name for c in page.customers]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == 12
    assert all(name.lower().startswith("an") for name in seen)
    assert [n.upper() for n in seen] == sorted(n.upper() for n in seen) or seen == sorted(seen)


def test_a_search_equal_to_a_customer_id_finds_that_customer(client, manager):
    customer_make("Zed", external_id="AN-1")
    customer_make("AN-1 shop")
    assert names(client.get("/customers/?q=AN-1")) == ["Zed"]


def test_the_filter_selects_escape_and_keep_the_choice(client, manager):
    user_make("evil", first_name="<b>Evil</b>")
    body = client.get("/customers/?stage=retention&rfm_r=5").content.decode()
    assert "<b>Evil</b>" not in body and "&lt;b&gt;Evil&lt;/b&gt;" in body
    assert '<option value="retention" selected>' in body
    assert '<option value="5" selected>5</option>' in body
    assert '<select name="stage" class="form-select" id="id_stage">' in body
    assert '<label class="form-label small mb-0" for="id_stage">Stage</label>' in body
    body = client.get('/customers/?q="><script>x').content.decode()
    assert '<script>x' not in body and 'value="&quot;&gt;&lt;script&gt;x"' in body


def test_on_postgresql_the_word_search_can_use_the_trigram_index(manager):
    from django.db import connection

    from daur.customers.models import Customer
    from daur.customers.search import name_words_q

    if connection.vendor != "postgresql":
        pytest.skip("the trigram index is PostgreSQL's")
    qs = Customer.objects.filter(name_words_q("putra"))
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "customer_name_trgm_idx" in plan


def test_the_list_counts_its_customers_in_the_languages_format(client, manager):
    for n in range(3):
        customer_make(f"Counted {n}")
    customer_make("Other")
    body = client.get("/customers/?q=counted").content.decode()
    assert "3 customers" in body
    assert "1 customer<" in client.get("/customers/?q=other").content.decode()


def test_a_huge_result_is_counted_up_to_the_cap(manager):
    from daur.customers.selectors import customer_count

    for n in range(5):
        customer_make(f"Many {n}")
    assert customer_count(user=manager, filters=CustomerFilters(q="many"), cap=3) == 4
    assert customer_count(user=manager, filters=CustomerFilters(q="many"), cap=10) == 5


def test_the_count_is_in_the_languages_number_format(client, manager):
    from daur.customers.models import Customer

    Customer.objects.bulk_create(
        Customer(external_id=f"B{n:05d}", name=f"Bulk {n}") for n in range(1234)
    )
    assert "1,234 customers" in client.get("/customers/").content.decode()
    client.cookies["django_language"] = "it"
    assert "1.234 clienti" in client.get("/customers/").content.decode()


def test_sortable_headers_set_the_order_and_say_which_is_active(client, manager):
    import re

    a = customer_make("Zeta")
    score_make(a, clv=5.0, p_alive=0.9)
    b = customer_make("Alpha")
    score_make(b, clv=9.0, p_alive=0.1)
    body = client.get("/customers/?stage=retention").content.decode()
    assert re.search(r'aria-sort="descending"><a [^>]*sort=clv', body)
    assert re.search(r'aria-sort="none"><a [^>]*sort=name', body)
    assert "stage=retention" in re.search(r'href="([^"]*sort=name[^"]*)"', body).group(1)
    # Following the name heading orders by name.
    link = re.search(r'href="(/customers/\?[^"]*sort=name[^"]*)"', body).group(1)
    body = client.get(link.replace("&amp;", "&")).content.decode()
    assert [c.name for c in client.get(link.replace("&amp;", "&")).context["page"].customers] == [
        "Alpha", "Zeta"]
    assert re.search(r'aria-sort="ascending"><a [^>]*sort=name', body)
    link = re.search(r'href="(/customers/\?[^"]*sort=p_alive[^"]*)"', body).group(1)
    assert names(client.get(link.replace("&amp;", "&"))) == ["Zeta", "Alpha"]


def test_an_empty_result_says_how_to_clear_the_filters(client, manager):
    customer_make("Someone")
    body = client.get("/customers/?q=nobody-at-all").content.decode()
    assert "No customers match these filters." in body
    assert "Clear the filters" in body
    assert "0 customers" in body
