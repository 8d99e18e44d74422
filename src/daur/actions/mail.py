"""E-mail to customers: queueing drafts (idempotent per key, in bulk), a customer's consent and
its changes, and the unsubscribe link's token (docs/email.md). Sending is daur.actions.mail_send,
run by the Celery task daur.jobs.emails_send."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from numbers import Integral

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.utils import timezone

from daur.customers.models import Customer
from daur.db import bulk
from daur.db.copy import rows_insert
from daur.db.dialect import moment_value, temporary_table, temporary_table_drop
from daur.engagement.models import EmailConsent, EmailConsentChange, OutboundEmail

UNSUBSCRIBE_SALT = "daur.unsubscribe"
DRAFT_FIELDS = ("key", "customer_id", "subject", "body", "language", "source", "transactional")
_STAGE = "mail_drafts"


class DraftsRefused(ValueError):
    """Some drafts are not valid: nothing was queued. `problems`: "draft N, field F: reason"."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems[:10]) + ("; …" if len(problems) > 10 else ""))
        self.problems = problems


@dataclass
class EmailsQueued:
    queued: int = 0  # new messages waiting to be sent
    skipped: dict[str, int] = field(default_factory=dict)  # new skipped messages per reason
    existing: int = 0  # drafts whose key was queued before (or earlier in the call): not written
    ids: list[int] = field(default_factory=list)  # the new queued messages' ids


def default_language() -> str:
    return settings.LANGUAGE_CODE


def _languages() -> set[str]:
    return {code for code, _ in settings.LANGUAGES}


def _draft_problems(position: int, draft: Mapping) -> list[str]:
    problems = []
    where = f"draft {position}"
    missing = [name for name in ("key", "customer_id", "subject") if not draft.get(name)]
    problems += [f"{where}, field {name}: missing" for name in missing]
    key, subject = str(draft.get("key") or ""), str(draft.get("subject") or "")
    if len(key) > 255:
        problems.append(f"{where}, field key: longer than 255 characters")
    if len(subject) > 255:
        problems.append(f"{where}, field subject: longer than 255 characters")
    if len(str(draft.get("source") or "")) > 64:
        problems.append(f"{where}, field source: longer than 64 characters")
    customer_id = draft.get("customer_id")
    if customer_id and (isinstance(customer_id, bool) or not isinstance(customer_id, Integral)):
        problems.append(f"{where}, field customer_id: not a whole number")
    language = draft.get("language") or ""
    if language and language not in _languages():
        problems.append(f"{where}, field language: {language!r} is not one of the languages")
    unknown = set(draft) - set(DRAFT_FIELDS)
    if unknown:
        problems.append(f"{where}: unknown fields {', '.join(sorted(map(str, unknown)))}")
    return problems


def _stage(drafts: list[Mapping], positions: list[int]) -> None:
    columns = [
        positions,
        [str(d["key"]) for d in drafts],
        [int(d["customer_id"]) for d in drafts],
        [str(d["subject"]) for d in drafts],
        [str(d.get("body") or "") for d in drafts],
        [str(d.get("language") or "") for d in drafts],
        [str(d.get("source") or "") for d in drafts],
        [bool(d.get("transactional")) for d in drafts],
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_STAGE}")
        cursor.execute(
            temporary_table(
                _STAGE,
                "pos integer, key text, customer_id bigint, subject text, body text, "
                "language text, source text, transactional boolean",
            )
        )
    names = (
        "pos", '"key"', "customer_id", "subject", "body", "language", "source", "transactional"
    )
    rows_insert(_STAGE, names, columns)


def _insert(now, *, fresh: bool = False) -> list[tuple[int, str, str]]:  # noqa: ANN001
    """Write the staged drafts whose key is new. `fresh`: the table's indexes are set aside (no
    unique index to meet a conflict), so the keys already there are left out by a join."""
    email, customer = OutboundEmail._meta.db_table, Customer._meta.db_table
    consent = EmailConsent._meta.db_table
    # A transactional message (the customer's own ticket) is not held back by an opt-out.
    out = "(NOT s.transactional AND (NOT c.email_consent OR e.status = 'opted_out'))"
    new = (
        f'WHERE NOT EXISTS (SELECT 1 FROM {email} m WHERE m."key" = s.key) ORDER BY s.pos'
        if fresh
        else 'WHERE true ORDER BY s.pos ON CONFLICT ("key") DO NOTHING'
    )
    sql = (
        f'INSERT INTO {email} ("key", customer_id, to_address, language, subject, body_text, '
        "status, reason, attempts, created_at, source, transactional) "
        "SELECT s.key, s.customer_id, c.email, "
        "COALESCE(NULLIF(s.language, ''), NULLIF(c.language, ''), %s), s.subject, s.body, "
        f"CASE WHEN c.email = '' OR {out} THEN 'skipped' ELSE 'queued' END, "
        f"CASE WHEN c.email = '' THEN 'no_email' WHEN {out} THEN 'opted_out' ELSE '' END, "
        "0, %s, s.source, s.transactional "
        f"FROM {_STAGE} s JOIN {customer} c ON c.id = s.customer_id "
        f"LEFT JOIN {consent} e ON e.customer_id = s.customer_id "
        f"{new} RETURNING id, status, reason"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [default_language(), moment_value(now)])
        return cursor.fetchall()


def _new(cursor) -> int:  # noqa: ANN001 - a cursor
    """How many staged keys are not in the table yet (one look-up each in its unique index)."""
    email = OutboundEmail._meta.db_table
    cursor.execute(
        f"SELECT count(*) FROM {_STAGE} s "
        f'WHERE NOT EXISTS (SELECT 1 FROM {email} m WHERE m."key" = s.key)'
    )
    return cursor.fetchone()[0]


def _write(count: int) -> list[tuple[int, str, str]]:
    """The staged drafts into the table: a load of new keys at least as many as the table's rows
    (100,000 or more, on PostgreSQL) with its indexes and foreign keys set aside and rebuilt after
    (daur.db.bulk), a smaller one through the unique index."""
    table = OutboundEmail._meta.db_table
    with connection.cursor() as cursor:
        if not (bulk.worth_it(cursor, table, count) and bulk.worth_it(cursor, table, _new(cursor))):
            return _insert(timezone.now())
        with bulk.SetAside(cursor, table):
            rows = _insert(timezone.now(), fresh=True)
        bulk.statistics_refresh(cursor, table)
        return rows


def _unknown_customers() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.pos, s.customer_id FROM {_STAGE} s "
            f"LEFT JOIN {Customer._meta.db_table} c ON c.id = s.customer_id "
            "WHERE c.id IS NULL ORDER BY s.pos LIMIT 11"
        )
        return [f"draft {pos}, field customer_id: no customer {cid}" for pos, cid in cursor]


def emails_queue(drafts: Iterable[Mapping]) -> EmailsQueued:
    """Queue one message per draft ({key, customer_id, subject, body, language, source} and
    optionally `transactional`: True for service mail about the customer's own request, which an
    opt-out of e-mail does not hold back and which carries no unsubscribe link).

    Idempotent on the key: a draft whose key is already queued (in any status) writes nothing.
    A customer without an e-mail address or who opted out gets a `skipped` message with its
    reason. The language is the draft's, else the customer's, else the business's. All or
    nothing: a draft that is not valid (a missing field, an unknown customer) refuses the whole
    call with DraftsRefused naming each (draft N is the N-th, from 1). Written in bulk (COPY into
    a staging table, one INSERT … SELECT … ON CONFLICT DO NOTHING; a load as large as the table
    with its indexes set aside, daur.db.bulk)."""
    drafts = list(drafts)
    problems = [p for i, d in enumerate(drafts, start=1) for p in _draft_problems(i, d)]
    if problems:
        raise DraftsRefused(problems)
    result = EmailsQueued()
    given = len(drafts)
    firsts: dict[str, int] = {}  # a key given twice in one call: its first draft counts
    for position, draft in enumerate(drafts, start=1):
        firsts.setdefault(str(draft["key"]), position)
    positions = sorted(firsts.values())
    drafts = [drafts[p - 1] for p in positions]
    if not drafts:
        return result
    try:
        with transaction.atomic():
            _stage(drafts, positions)
            unknown = _unknown_customers()
            if unknown:
                raise DraftsRefused(unknown)
            rows = _write(len(drafts))
    finally:
        temporary_table_drop(_STAGE)
    reasons = Counter(reason for _, status, reason in rows if status == "skipped")
    result.ids = [pk for pk, status, _ in rows if status == "queued"]
    result.queued = len(result.ids)
    result.skipped = dict(reasons)
    result.existing = given - len(rows)
    return result


# Consent ------------------------------------------------------------------------------------


def consent_status(customer: Customer) -> str:
    record = EmailConsent.objects.filter(customer=customer).first()
    return record.status if record else EmailConsent.Status.UNKNOWN


@transaction.atomic
def consent_set(
    *,
    customer_id: int,
    status: str,
    source: str,
    user=None,  # noqa: ANN001 - a User or None
    email: OutboundEmail | None = None,
) -> bool:
    """Set a customer's consent to e-mail and record the change (how: unsubscribe, staff, import;
    by whom; through which message). The customer's `email_consent` follows (false only when
    opted out). A status it already has writes nothing: False. Opting out also skips the
    customer's queued messages (not the transactional ones: replies to their own tickets)."""
    if status not in EmailConsent.Status.values:
        raise ValueError(f"unknown consent status {status!r}")
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    record = EmailConsent.objects.filter(customer=customer).first()
    old = record.status if record else EmailConsent.Status.UNKNOWN
    if old == status:
        return False
    now = timezone.now()
    EmailConsent.objects.update_or_create(
        customer=customer, defaults={"status": status, "changed_at": now}
    )
    EmailConsentChange.objects.create(
        customer=customer, old_status=old, new_status=status, source=source, user=user,
        email=email, changed_at=now,
    )
    allowed = status != EmailConsent.Status.OPTED_OUT
    if customer.email_consent != allowed:
        Customer.objects.filter(pk=customer.pk).update(email_consent=allowed, updated_at=now)
    if not allowed:
        OutboundEmail.objects.filter(
            customer=customer, status=OutboundEmail.Status.QUEUED, transactional=False
        ).update(status=OutboundEmail.Status.SKIPPED, reason="opted_out")
    return True


def consent_derive(customer_ids: Iterable[int]) -> None:
    """Set each customer's consent to its latest recorded change (after a merge moved changes
    between customers, or its undo moved them back): the latest decision wins, an opt-out of a
    merged duplicate included. A customer without changes has no consent record (`unknown`) and
    keeps its `email_consent` as it is."""
    for customer_id in customer_ids:
        last = (
            EmailConsentChange.objects.filter(customer_id=customer_id)
            .order_by("-changed_at", "-pk")
            .first()
        )
        if last is None:
            EmailConsent.objects.filter(customer_id=customer_id).delete()
            continue
        EmailConsent.objects.update_or_create(
            customer_id=customer_id,
            defaults={"status": last.new_status, "changed_at": last.changed_at},
        )
        allowed = last.new_status != EmailConsent.Status.OPTED_OUT
        Customer.objects.filter(pk=customer_id).exclude(email_consent=allowed).update(
            email_consent=allowed, updated_at=timezone.now()
        )


# Unsubscribe ---------------------------------------------------------------------------------


class TokenRefused(ValueError):
    """The unsubscribe token was not made here (tampered with or cut)."""


def unsubscribe_token(email: OutboundEmail) -> str:
    """A signed token of (customer, message): the link in that message's footer."""
    return signing.dumps({"c": email.customer_id, "m": email.pk}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_target(token: str) -> OutboundEmail:
    """The message a token was made for; TokenRefused for a token not signed here, or one whose
    message no longer exists."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        customer_id, email_id = int(data["c"]), int(data["m"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise TokenRefused(str(error)) from error
    email = (
        OutboundEmail.objects.select_related("customer")
        .filter(pk=email_id, customer_id=customer_id)
        .first()
    )
    if email is None:
        raise TokenRefused("no such message")
    return email


def unsubscribe(token: str) -> bool:
    """Opt out the customer of the token's message: True if that changed their consent; False if
    they had opted out already or this link was used before (nothing changes twice)."""
    email = unsubscribe_target(token)
    with transaction.atomic():
        Customer.objects.select_for_update().filter(pk=email.customer_id).first()
        if EmailConsentChange.objects.filter(
            email=email, source=EmailConsentChange.Source.UNSUBSCRIBE
        ).exists():
            return False
        return consent_set(
            customer_id=email.customer_id,
            status=EmailConsent.Status.OPTED_OUT,
            source=EmailConsentChange.Source.UNSUBSCRIBE,
            email=email,
        )
