"""What global search finds among vendors and their records (apps/core/search.py): vendors, people (as the
owners of vendors), the vendors' engineers, certifications and risks. Each reads through the list selector
the list page uses for the same person, so search never shows a row the list would not."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db.models import Case, CharField, Count, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.formats import date_format

from apps.core.search import SearchHit, register_search, search_queryset
from apps.vendors import selectors
from apps.vendors.choices import CertificationKind
from apps.vendors.models import Vendor


def _list_url(url_name: str, query: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'q': query})}"


def _country(vendor: Vendor) -> str:
    return str(vendor.country.name)  # type: ignore[attr-defined]  # a django_countries Country; the stubs say str


def search_vendors(user: Any, query: str, limit: int) -> list[SearchHit]:
    vendors = search_queryset(selectors.vendor_list(user=user), ["name"], query, then_by=("name", "pk"))
    return [
        SearchHit(
            label=vendor.name,
            url=vendor.get_absolute_url(),
            detail=" · ".join(
                part for part in (vendor.get_status_display(), _country(vendor), vendor.get_tier_display()) if part
            ),
        )
        for vendor in vendors[:limit]
    ]


def search_people(user: Any, query: str, limit: int) -> list[SearchHit]:
    """People by name, username or e-mail address; a hit leads to the vendors they own. Everyone signed in
    sees everyone (they are the owners named on every vendor page); the e-mail address is shown only to the
    person and to administrators."""
    owned = (
        selectors.vendor_list(user=user)
        .filter(
            Q(engineering_owner=OuterRef("pk")) | Q(delivery_owner=OuterRef("pk")) | Q(security_contact=OuterRef("pk"))
        )
        .order_by()
        .values(one=Value(1))
        .annotate(count=Count("pk"))
        .values("count")
    )
    people = search_queryset(
        get_user_model().objects.filter(is_active=True).select_related(None),
        ["first_name", "last_name", "username", "email"],
        query,
        then_by=("first_name", "last_name", "username", "pk"),
    ).annotate(vendors_owned=Coalesce(Subquery(owned, output_field=IntegerField()), 0))
    hits = []
    for person in people[:limit]:
        owned_count = person.vendors_owned
        parts = [f"@{person.username}"]
        if person.email and (user.is_staff or user.pk == person.pk):
            parts.append(person.email)
        parts.append(f"owner of {owned_count} vendor{'s' if owned_count != 1 else ''}")
        url = f"{reverse('vendors:vendor-list')}?{urlencode({'owner': person.pk})}"
        hits.append(SearchHit(label=str(person), url=url, detail=" · ".join(parts)))
    return hits


def search_engineers(user: Any, query: str, limit: int) -> list[SearchHit]:
    """The vendors' engineers by name, work e-mail or handle (the anonymised ones have nothing left to
    find); a hit leads to the vendor's Team tab. The e-mail address is not shown: the handle is enough."""
    engineers = search_queryset(
        selectors.engineer_list(user=user).filter(anonymised_on__isnull=True),
        ["name", "email", "git_handle", "tracker_handle"],
        query,
        then_by=("name", "pk"),
    )
    return [
        SearchHit(
            label=engineer.name,
            url=engineer.get_absolute_url(),
            detail=" · ".join(
                part
                for part in (
                    engineer.vendor.name,
                    engineer.role,
                    engineer.get_seniority_display(),
                    f"@{engineer.git_handle}" if engineer.git_handle else "",
                )
                if part
            ),
        )
        for engineer in engineers[:limit]
    ]


def _certification_kind_label() -> Case:
    """The kind as people write it ("SOC 2 Type II"), so "soc 2" finds the SOC 2 reports."""
    return Case(
        *(When(kind=value, then=Value(label)) for value, label in CertificationKind.choices),
        default=Value(""),
        output_field=CharField(),
    )


def search_certifications(user: Any, query: str, limit: int) -> list[SearchHit]:
    certifications = search_queryset(
        selectors.certification_list(user=user),
        [_certification_kind_label(), "name", "vendor__name"],
        query,
        then_by=("expires_on", "pk"),
    )
    return [
        SearchHit(
            label=str(certification),
            url=certification.get_absolute_url(),
            detail=f"expires {date_format(certification.expires_on)}",
        )
        for certification in certifications[:limit]
    ]


def search_risks(user: Any, query: str, limit: int) -> list[SearchHit]:
    risks = search_queryset(
        selectors.vendor_risk_list(user=user).select_related("vendor"),
        ["title", "vendor__name"],
        query,
        then_by=("-likelihood", "-impact", "pk"),
    )
    return [
        SearchHit(
            label=risk.title,
            url=risk.get_absolute_url(),
            detail=f"{risk.vendor.name} · {risk.get_category_display()} · {risk.get_status_display()} · "
            f"score {risk.score}",
        )
        for risk in risks[:limit]
    ]


def register() -> None:
    register_search(
        "vendors",
        "Vendors",
        search_vendors,
        order=10,
        more_url=lambda query: _list_url("vendors:vendor-list", query),
    )
    register_search("people", "People", search_people, order=40)
    register_search("engineers", "Vendor engineers", search_engineers, order=45)
    register_search("certifications", "Certifications", search_certifications, order=50)
    register_search("risks", "Risks", search_risks, order=60)
