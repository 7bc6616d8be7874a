"""Global search (apps/core/search.py and the providers of vendors, contracts and functions): accents and
typos, ranking, several words, scoping through the list selectors, grouping, the pages, bad input, query
budgets, and the lists' own accent-insensitive ``q``."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from apps.core import search
from apps.core.search import SearchHit, register_search, search_everything, search_providers, search_queryset
from apps.vendors.models import Vendor
from tests.factories import (
    CertificationFactory,
    ContractFactory,
    EngineerFactory,
    FunctionFactory,
    UserFactory,
    VendorFactory,
    VendorRiskFactory,
)

pytestmark = pytest.mark.django_db


def labels(groups, kind):
    return [hit.label for group in groups if group.kind == kind for hit in group.hits]


def find(user, query, kind, limit=20):
    return labels(search_everything(user=user, query=query, limit=limit), kind)


@pytest.fixture
def reader():
    return UserFactory(username="reader", role="executive")


@pytest.fixture
def krakow():
    return VendorFactory(name="Kraków Software")


# -- matching ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("query", ["krakow", "KRAKOW", "Kraków", "kraków soft", "software", "krak"])
def test_accents_and_case_do_not_matter(reader, krakow, query):
    VendorFactory(name="Lisbon Labs")
    assert find(reader, query, "vendors") == ["Kraków Software"]


@pytest.mark.parametrize("query", ["krakw", "krakov", "softwre", "sofware", "krakuw"])
def test_a_typo_still_finds_it(reader, krakow, query):
    VendorFactory(name="Lisbon Labs")
    assert find(reader, query, "vendors") == ["Kraków Software"]


def test_two_letters_match_as_text_only(reader, krakow):
    VendorFactory(name="Lisbon Labs")
    assert find(reader, "kr", "vendors") == ["Kraków Software"]
    assert find(reader, "kx", "vendors") == []


def test_several_words_in_any_order_each_a_prefix(reader, krakow):
    VendorFactory(name="Software House")
    assert find(reader, "soft krak", "vendors") == ["Kraków Software"]


def test_exact_then_prefix_then_contains_then_similar(reader):
    for name in ("Superacme", "Acme Software", "Acmee", "Acme", "Big Acme"):
        VendorFactory(name=name)
    found = find(reader, "acme", "vendors")
    assert found[0] == "Acme"
    # starts with it, or a word of it does; then contains it; "Acmee" too (it starts with "acme")
    assert set(found[1:4]) == {"Acme Software", "Acmee", "Big Acme"}
    assert found[4] == "Superacme"


def test_like_wildcards_in_the_query_are_plain_characters(reader):
    VendorFactory(name="100% Delivery")
    VendorFactory(name="1000 Engineers")
    assert find(reader, "100%", "vendors")[0] == "100% Delivery"
    assert find(reader, "%", "vendors") == ["100% Delivery"]
    assert find(reader, "_", "vendors") == []


def test_search_queryset_on_an_empty_query_finds_nothing(krakow):
    assert not search_queryset(Vendor.objects.all(), ["name"], "   ").exists()


# -- the providers ----------------------------------------------------------------------------------------
def test_contracts_by_title_reference_or_vendor(reader, krakow):
    ContractFactory(vendor=krakow, title="Platform support", reference="MSA-2026-017")
    ContractFactory(title="Łódź migration", reference="SOW-9")
    assert find(reader, "krakow", "contracts") == ["Platform support"]
    assert find(reader, "msa-2026", "contracts") == ["Platform support"]
    assert find(reader, "lodz", "contracts") == ["Łódź migration"]


def test_functions_people_certifications_and_risks(reader, krakow):
    FunctionFactory(name="Płatności i rozliczenia")
    person = UserFactory(username="lnowak", first_name="Łukasz", last_name="Nowak", email="lukasz@example.com")
    vendor = VendorFactory(name="Zürich Data", engineering_owner=person)
    CertificationFactory(vendor=vendor, kind="soc2_type2")
    VendorRiskFactory(vendor=vendor, title="Key engineer could leave")
    assert find(reader, "platnosci", "functions") == ["Płatności i rozliczenia"]
    assert find(reader, "lukasz nowak", "people") == ["Łukasz Nowak"]
    assert find(reader, "lnowak", "people") == ["Łukasz Nowak"]
    assert find(reader, "soc 2", "certifications") == ["SOC 2 Type II — Zürich Data"]
    assert find(reader, "zurich", "certifications") == ["SOC 2 Type II — Zürich Data"]
    assert find(reader, "engineer leave", "risks") == ["Key engineer could leave"]


def test_a_person_leads_to_the_vendors_they_own(client, reader, krakow):
    person = UserFactory(username="anna", first_name="Anna", last_name="Wiśniewska")
    VendorFactory(name="Owned One", security_contact=person)
    VendorFactory(name="Owned Two", delivery_owner=person)
    [hit] = [hit for group in search_everything(user=reader, query="wisniewska", limit=5) for hit in group.hits]
    assert "owner of 2 vendors" in hit.detail
    client.force_login(reader)
    page = client.get(hit.url)
    assert [vendor.name for vendor in page.context["object_list"]] == ["Owned One", "Owned Two"]


def test_e_mail_addresses_are_shown_to_the_person_and_administrators_only(reader):
    person = UserFactory(username="mira", first_name="Mira", last_name="Kos", email="mira@example.com")
    admin = UserFactory(username="root", role="admin")

    def detail(user):
        [group] = [group for group in search_everything(user=user, query="mira kos", limit=5) if group.kind == "people"]
        return group.hits[0].detail

    assert "mira@example.com" not in detail(reader)
    assert "mira@example.com" in detail(person)
    assert "mira@example.com" in detail(admin)


def test_search_shows_only_what_the_list_selector_shows_the_person(reader, krakow, monkeypatch):
    """Each provider reads through its app's scoped list selector: narrow it, and search narrows too."""
    from apps.contracts import selectors as contract_selectors
    from apps.vendors import selectors as vendor_selectors

    visible = ContractFactory(vendor=krakow, title="Kraków visible")
    ContractFactory(vendor=krakow, title="Kraków hidden")
    other = VendorFactory(name="Krakow Twin")
    contract_list, vendor_list = contract_selectors.contract_list, vendor_selectors.vendor_list
    monkeypatch.setattr(
        contract_selectors, "contract_list", lambda *, user=None: contract_list(user=user).filter(pk=visible.pk)
    )
    monkeypatch.setattr(
        vendor_selectors, "vendor_list", lambda *, user=None: vendor_list(user=user).exclude(pk=other.pk)
    )
    groups = search_everything(user=reader, query="krakow", limit=10)
    assert labels(groups, "contracts") == ["Kraków visible"]
    assert labels(groups, "vendors") == ["Kraków Software"]


# -- the registry -------------------------------------------------------------------------------------------
def test_groups_follow_the_registered_order_and_leave_out_kinds_without_hits(reader, krakow):
    ContractFactory(vendor=krakow, title="Kraków support")
    groups = search_everything(user=reader, query="krakow", limit=5)
    assert [group.kind for group in groups] == ["vendors", "contracts"]
    kinds = [provider.kind for provider in search_providers()]
    assert kinds[:3] == ["vendors", "contracts", "functions"]
    assert {"people", "certifications", "risks"} <= set(kinds)
    assert groups[0].more_url == f"{reverse('vendors:vendor-list')}?q=krakow"


def test_registering_a_kind_again_replaces_it(reader, monkeypatch):
    monkeypatch.setattr(search, "_PROVIDERS", dict(search._PROVIDERS))
    register_search("extra", "Extras", lambda user, query, limit: [SearchHit("one", "/1")], order=1)
    register_search("extra", "Extras", lambda user, query, limit: [SearchHit("two", "/2")], order=1)
    groups = search_everything(user=reader, query="anything", limit=5)
    assert groups[0].kind == "extra"
    assert [hit.label for hit in groups[0].hits] == ["two"]
    assert search_everything(user=reader, query=" \x00 ", limit=5) == []


# -- the pages --------------------------------------------------------------------------------------------
def test_results_page_groups_the_hits(client, reader, krakow):
    ContractFactory(vendor=krakow, title="Kraków support", reference="K-1")
    client.force_login(reader)
    response = client.get(reverse("search"), {"q": "krakow"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-search-group="vendors"' in html
    assert 'data-search-group="contracts"' in html
    assert krakow.get_absolute_url() in html
    assert "Open in the list" in html


def test_results_page_without_a_query_and_with_nothing_found(client, reader):
    client.force_login(reader)
    assert client.get(reverse("search")).status_code == 200
    response = client.get(reverse("search"), {"q": "zzzzqqq"})
    assert "Nothing found for “zzzzqqq”." in response.content.decode()


@pytest.mark.parametrize("url_name", ["search", "search-palette"])
def test_bad_queries_are_refused_with_a_message(client, reader, url_name):
    client.force_login(reader)
    response = client.get(reverse(url_name), {"q": "x" * 201})
    assert response.status_code == 400
    assert "Search for at most 200 characters." in response.content.decode()
    # A NUL character, which PostgreSQL refuses in text, is a 400 before it reaches the query.
    assert client.get(reverse(url_name), {"q": "kra\x00kow"}).status_code == 400


@pytest.mark.parametrize("url_name", ["search", "search-palette"])
def test_search_needs_signing_in(client, url_name):
    response = client.get(reverse(url_name), {"q": "krakow"})
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_palette_partial_lists_options_then_all_results(client, reader, krakow):
    client.force_login(reader)
    html = client.get(reverse("search-palette"), {"q": "krakow"}).content.decode()
    assert 'role="group"' in html
    assert html.count('role="option"') == 2  # the vendor, then "All results"
    assert f'href="{reverse("search")}?q=krakow"' in html
    empty = client.get(reverse("search-palette"), {"q": ""}).content.decode()
    assert 'role="option"' not in empty


def test_hits_are_escaped(client, reader):
    VendorFactory(name="<script>alert(1)</script> Ltd")
    client.force_login(reader)
    html = client.get(reverse("search-palette"), {"q": "alert"}).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


def test_query_count_does_not_grow_with_the_hits(client, reader, django_assert_max_num_queries):
    for n in range(12):
        vendor = VendorFactory(name=f"Nordic {n}")
        ContractFactory(vendor=vendor, title=f"Nordic contract {n}")
        CertificationFactory(vendor=vendor)
        VendorRiskFactory(vendor=vendor, title=f"Nordic risk {n}")
        FunctionFactory(name=f"Nordic function {n}")
        UserFactory(username=f"nordic{n}", first_name="Nordic")
        EngineerFactory(vendor=vendor, name=f"Nordic engineer {n}")
    client.force_login(reader)
    # the session and the person, one query per kind (seven), and for the page the header's menus (four)
    with django_assert_max_num_queries(13):
        response = client.get(reverse("search"), {"q": "nordic"})
    assert response.status_code == 200
    assert sum(len(group.hits) for group in response.context["groups"]) == 7 * 12
    with django_assert_max_num_queries(9):
        response = client.get(reverse("search-palette"), {"q": "nordic"})
    assert response.content.decode().count('role="option"') == 7 * 5 + 1


# -- the lists' own q -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url_name", "make", "query", "expected"),
    [
        ("vendors:vendor-list", lambda: VendorFactory(name="Kraków Software"), "krakow", "Kraków Software"),
        ("contracts:contract-list", lambda: ContractFactory(title="Łódź rollout"), "LODZ", "Łódź rollout"),
        ("contracts:contract-list", lambda: ContractFactory(title="Other", reference="Ref-Ż1"), "ref-z1", "Other"),
        ("functions:function-list", lambda: FunctionFactory(name="Płatności"), "platnosci", "Płatności"),
    ],
)
def test_list_q_ignores_accents(client, reader, url_name, make, query, expected):
    make()
    VendorFactory(name="Unrelated")
    client.force_login(reader)
    response = client.get(reverse(url_name), {"q": query})
    assert [str(row) for row in response.context["object_list"]] == [expected]


def test_vendor_list_q_and_api_agree(client, reader):
    VendorFactory(name="Kraków Software")
    VendorFactory(name="Lisbon Labs")
    client.force_login(reader)
    body = client.get("/api/v1/vendors/", {"q": "krakow"}).json()
    assert [row["name"] for row in body["results"]] == ["Kraków Software"]


# -- the database -----------------------------------------------------------------------------------------
def test_the_unaccent_wrapper_is_immutable_and_the_indexes_exist():
    with connection.cursor() as cursor:
        cursor.execute("SELECT provolatile FROM pg_proc WHERE proname = 'vg_unaccent'")
        assert cursor.fetchone() == ("i",)
        cursor.execute("SELECT vg_unaccent('Kraków Łódź Zürich')")
        assert cursor.fetchone() == ("Krakow Lodz Zurich",)
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%%_trgm' ORDER BY indexname")
        assert [row[0] for row in cursor.fetchall()] == [
            "contracts_contract_ref_trgm",
            "contracts_contract_title_trgm",
            "functions_function_name_trgm",
            "vendors_vendor_name_trgm",
        ]


def test_the_trigram_index_answers_the_search(krakow):
    """The query's vg_unaccent(name) is the index's expression: with sequential scans off, PostgreSQL
    uses the index for both the contains and the similar condition."""
    queryset = search_queryset(Vendor.objects.all(), ["name"], "krakw")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "vendors_vendor_name_trgm" in plan
