"""Plumbing every API endpoint shares: pagination, ordering, the base FilterSet,
scoped viewsets, optimistic versions (If-Match) and idempotent creation (Idempotency-Key)."""

import copy
import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import django_filters
from django import forms
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import filters, mixins, serializers, viewsets
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from config.errors import Conflict, ValidationFailed

IDEMPOTENCY_WINDOW = timedelta(hours=24)


class StableOrderingFilter(filters.OrderingFilter):
    """Whatever the client asks for, end with the primary key so pages never shuffle."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or queryset.query.order_by or ["pk"])
        if not any(field.lstrip("-") in {"pk", "id"} for field in ordering):
            ordering.append("pk")
        return ordering


class IdFilter(django_filters.NumberFilter):
    """A record id: a positive integer the database can hold (a bigger one would overflow it)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO timestamp compared in UTC: PostgreSQL refuses offsets beyond ±15:59 that Python
    parses happily (e.g. +19:56). Timestamps at the ends of the calendar (0001-01-01 with a
    positive offset, 9999-12-31 with a negative one) overflow when moved to UTC: they compare as
    the earliest or latest instant there is."""

    def filter(self, qs, value):
        if value is not None:
            try:
                value = value.astimezone(dt_timezone.utc)
            except OverflowError:
                value = (datetime.min if value.year == 1 else datetime.max).replace(tzinfo=dt_timezone.utc)
        return super().filter(qs, value)


class BaseFilterSet(django_filters.FilterSet):
    """Every list can be polled for changes with `?updated_since=<ISO timestamp>`."""

    updated_since = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gte")


class ScopedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Read side of every domain viewset: the queryset always comes from a scoped selector."""

    selector: Callable = None
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, StableOrderingFilter]

    def get_queryset(self):
        return type(self).selector(self.request.user)


_IF_MATCH = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')


def expected_version(request) -> int | None:
    """The version the client last saw, from `If-Match: "<version>"`; None when absent."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    match = _IF_MATCH.match(header)
    if not match:
        raise ValidationFailed(_('If-Match must be the record version in quotes, e.g. "3".'), code="invalid_if_match")
    return int(match.group(1))


def _fingerprint(request) -> str:
    body = request.body if request.content_type != "multipart/form-data" else b""
    return hashlib.sha256(request.method.encode() + request.get_full_path().encode() + b"\n" + body).hexdigest()


def run_idempotently(request, produce: Callable[[], Response]) -> Response:
    """Run `produce` once per (user, Idempotency-Key) within 24 h; replay its response after that.

    The record is written in the same transaction as the work, so a failure leaves neither, and
    a concurrent request with the same key waits on the unique constraint, fails, and replays the
    winner's response instead of doing the work twice.
    """
    from accounts.models import IdempotencyRecord

    key = request.headers.get("Idempotency-Key")
    if not key:
        return produce()
    if len(key) > 128:
        raise ValidationFailed(_("Idempotency-Key may be at most 128 characters."), code="invalid_idempotency_key")
    user = request.user
    fingerprint = _fingerprint(request)
    cutoff = timezone.now() - IDEMPOTENCY_WINDOW

    def replay(record):
        if record.fingerprint != fingerprint:
            raise Conflict(
                _("This Idempotency-Key was already used for a different request."), code="idempotency_key_reused"
            )
        response = Response(record.response_body, status=record.status_code)
        response["Idempotent-Replayed"] = "true"
        return response

    previous = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if previous is not None:
        if previous.created_at >= cutoff:
            return replay(previous)
        previous.delete()
    try:
        with transaction.atomic():
            response = produce()
            if 200 <= response.status_code < 300:
                body = json.loads(JSONRenderer().render(response.data) or b"null")
                IdempotencyRecord.objects.create(
                    user=user, key=key, fingerprint=fingerprint, status_code=response.status_code, response_body=body
                )
    except IntegrityError:
        record = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if record is None:  # the work itself broke a constraint; not a key collision
            raise
        return replay(record)
    return response


class IdempotentCreateMixin:
    def create(self, request, *args, **kwargs):
        return run_idempotently(request, lambda: super(IdempotentCreateMixin, self).create(request, *args, **kwargs))


class DisplayField(serializers.CharField):
    """The label of an enum field's code in the request's language.

    Same output as `get_<field>_display`, but from a code → label map built once per model field:
    Django's method rebuilds that map, and DRF inspects the method's signature, on every row — a
    third of a 50-row list's time.
    """

    _labels: dict[tuple[type, str], dict] = {}

    def __init__(self, field: str, **kwargs):
        self.enum_field = field
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance):
        value = getattr(instance, self.enum_field)
        key = (type(instance), self.enum_field)
        labels = self._labels.get(key)
        if labels is None:
            labels = self._labels[key] = dict(instance._meta.get_field(self.enum_field).flatchoices)
        return labels.get(value, value)


def display(field: str):
    """The `<field>_display` sibling of an enum field: its label in the request's language."""
    return DisplayField(field)


class ModelSerializer(serializers.ModelSerializer):
    """DRF's ModelSerializer, building its fields from the model once per class.

    DRF introspects the model and builds every field on each instantiation — up to 2 ms of each
    request for a 45-field serializer. The fields depend only on the class (Meta and declared
    fields), so they are built once and deep-copied for each instance, as DRF copies declared ones.
    """

    def get_fields(self):
        built = type(self).__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()
            type(self)._fields_built_once = built
        return copy.deepcopy(built)
