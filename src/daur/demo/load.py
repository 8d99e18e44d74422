"""`demo_load`: generate the demo business as interchange CSV and import it, with demo users."""

from __future__ import annotations

import tempfile
import time
from datetime import datetime
from pathlib import Path

from django.contrib.auth.models import Permission
from django.db import transaction

from daur.accounts.models import Role, User
from daur.actions.interchange import file_import
from daur.demo.campaigns import demo_campaigns_fill
from daur.demo.community import demo_community_fill
from daur.demo.generate import DEMO_USERS, generate_business
from daur.demo.pipeline import demo_pipeline_fill
from daur.demo.service_desk import demo_desk_fill
from daur.demo.timeline import END_DATE, UTC_OFFSET
from daur.vocabulary import INTERCHANGE_IMPORT_ORDER

# The apps whose records a manager works on in the admin (not accounts: the users).
MANAGED_APPS = (
    "campaigns", "customers", "catalog", "leads", "sales", "engagement", "servicedesk", "surveys",
    "insights", "community",
)
DEMO_PASSWORD = "demo"  # noqa: S105 - demo-only accounts, marked as such


def demo_users_ensure() -> list[User]:
    """Create (or reset) the demo users: `demo` is a manager; one user per role; password demo."""
    users = []
    for username, role, first_name, last_name in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=username)
        user.role = role
        user.first_name, user.last_name = first_name, last_name
        user.email = f"{username}@demo.daur.invalid"
        user.is_demo = True
        user.is_staff = role in (Role.ADMIN, Role.MANAGER)
        # Only the admin is a superuser. Managers run the business: in the admin they may work
        # on its records, not on the users (demo_manager_permissions).
        user.is_superuser = role == Role.ADMIN
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.user_permissions.set(demo_manager_permissions() if role == Role.MANAGER else [])
        users.append(user)
    return users


def demo_manager_permissions() -> list[Permission]:
    """Every permission on the business's records (customers, orders, catalogue, campaigns,
    contacts, tickets, surveys, leads; the computed tables are read-only whatever the
    permission); none on the users."""
    return list(Permission.objects.filter(content_type__app_label__in=MANAGED_APPS))


def demo_load(
    *,
    customers: int = 2000,
    seed: int = 7,
    progress: bool = False,
    desk: bool = False,
    campaigns: bool = False,
) -> str:
    """Create the demo business (deterministic per seed) through the interchange imports.

    `desk`: also the live service desk (daur.demo.service_desk), whose tickets and answers are
    written around now: the next `daur score` then scores as of today, not the business's last
    day, so the library default (the tests' fixed business) leaves it out and `daur demo` asks
    for it. `campaigns`: also the past campaigns with their hold-outs and the orders that
    answered them (daur.demo.campaigns), which `daur demo` asks for too."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="daur-demo-") as folder:
        directory = Path(folder)
        counts = generate_business(customers=customers, seed=seed, directory=directory)
        with transaction.atomic():
            demo_users_ensure()
            for kind in INTERCHANGE_IMPORT_ORDER:
                file_import(kind=kind, path=directory / f"{kind}.csv", progress=progress)
            end = datetime.fromisoformat(f"{END_DATE.isoformat()}T23:59:00{UTC_OFFSET}")
            counts["planned activities"] = demo_pipeline_fill(seed=seed, end=end)
            if desk:
                counts.update(demo_desk_fill(seed=seed))
        community = demo_community_fill(seed=seed)
        if campaigns:
            community.update(demo_campaigns_fill(seed=seed))
    seconds = time.perf_counter() - started
    kinds = (*INTERCHANGE_IMPORT_ORDER, "planned activities")
    if desk:
        kinds += ("desk tickets", "survey answers")
    listed = ", ".join(f"{counts[kind]:,} {kind.replace('_', ' ')}" for kind in kinds)
    listed += ", " + ", ".join(f"{n:,} {what}" for what, n in community.items())
    return (
        f"Demo business ready in {seconds:.1f} s (seed {seed}): {listed}.\n"
        f"Demo users (password '{DEMO_PASSWORD}'): "
        + ", ".join(f"{name} ({role})" for name, role, *_ in DEMO_USERS)
    )
