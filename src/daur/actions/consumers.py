"""Writes of a customer's consumers (who uses what the customer buys: the children a parent buys
for, an organisation's people): added, renamed, removed by whoever may change the customer
(daur.customers.access). Consumers are kept, not analysed: nothing is re-scored."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from daur.accounts.models import User
from daur.customers.access import customers_editable_by
from daur.customers.models import Consumer

NAME_MAX = Consumer._meta.get_field("name").max_length
RELATION_MAX = Consumer._meta.get_field("relation").max_length


class ConsumerRefused(ValueError):
    """The consumer cannot be saved as given; nothing was written. One line naming the field."""


def _clean(name: str, relation: str) -> tuple[str, str]:
    name, relation = " ".join(name.split()), " ".join(relation.split())
    if not name or len(name) > NAME_MAX or "\x00" in name:
        raise ConsumerRefused(
            _("name: a consumer needs a name of at most %(n)d characters.") % {"n": NAME_MAX}
        )
    if len(relation) > RELATION_MAX or "\x00" in relation:
        raise ConsumerRefused(_("relation: at most %(n)d characters.") % {"n": RELATION_MAX})
    return name, relation


def _editable(user: User, customer_id: int) -> None:
    if not customers_editable_by(user).filter(pk=customer_id).exists():
        raise PermissionDenied


@transaction.atomic
def consumer_add(*, user: User, customer_id: int, name: str, relation: str = "") -> Consumer:
    _editable(user, customer_id)
    name, relation = _clean(name, relation)
    return Consumer.objects.create(customer_id=customer_id, name=name, relation=relation)


@transaction.atomic
def consumer_update(
    *, user: User, consumer_id: int, name: str | None = None, relation: str | None = None
) -> Consumer:
    """Change the name and/or relation given (None: as it is)."""
    consumer = Consumer.objects.select_for_update().get(pk=consumer_id)
    _editable(user, consumer.customer_id)
    consumer.name, consumer.relation = _clean(
        consumer.name if name is None else name,
        consumer.relation if relation is None else relation,
    )
    consumer.save(update_fields=["name", "relation"])
    return consumer


@transaction.atomic
def consumer_delete(*, user: User, consumer_id: int) -> None:
    consumer = Consumer.objects.select_for_update().get(pk=consumer_id)
    _editable(user, consumer.customer_id)
    consumer.delete()
