"""Writes of saved segments: a customer list's query saved under a name (docs/segments.md)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from daur.campaigns.models import Segment
from daur.customers.query import FilterQueryError, filters_from_query, filters_query


class SegmentRefused(ValueError):
    """The segment cannot be saved; the message says why, in one line."""


NAME_MAX = Segment._meta.get_field("name").max_length


def segment_create(*, name: str, query: str, user=None) -> Segment:  # noqa: ANN001
    """A new segment of the list's query (stored in its canonical form, without the page);
    refused for an empty, too long or taken name and for a query the list does not understand."""
    name = " ".join(name.split())
    if not name:
        raise SegmentRefused(_("A segment needs a name."))
    if len(name) > NAME_MAX or "\x00" in name:
        raise SegmentRefused(_("A segment name has at most %(n)d characters.") % {"n": NAME_MAX})
    try:
        canonical = filters_query(filters_from_query(query))
    except FilterQueryError as error:
        raise SegmentRefused(str(error)) from None
    if Segment.objects.filter(name__iexact=name).exists():
        raise SegmentRefused(_("A segment named “%(name)s” exists already.") % {"name": name})
    try:
        with transaction.atomic():
            return Segment.objects.create(name=name, query=canonical, created_by=user)
    except IntegrityError:
        raise SegmentRefused(
            _("A segment named “%(name)s” exists already.") % {"name": name}
        ) from None
