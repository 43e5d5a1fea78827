"""List pages built from rows: a serializer's output from `.values_list()` tuples, not model instances.

DRF serializes model instances. For a page of 50 claims with their lines, documents and events
that is thousands of instances, a queryset clone per row and prefetch, and an attribute lookup
(with a signature inspection) per field: 40 ms where the database needs 3. A RowReader compiles a
serializer class once into the columns it reads, fetches those as tuples (one query per table,
nested lists by their parents' ids) and builds the same dicts, calling each field's own
`to_representation` wherever it does more than pass a value through.

The serializer stays the one definition of a list's shape and schema. What a reader cannot see by
itself — what a `get_<field>` method reads of its object — the method declares with `@row_reads`;
the reader then hands it a stand-in object holding just that. A field the reader cannot compile
fails loudly on the first request, and tests compare both outputs for every list that reads rows.
"""

from collections import defaultdict
from operator import itemgetter
from datetime import date, datetime
from types import SimpleNamespace

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db.models import Prefetch
from django.utils import timezone, translation
from rest_framework import fields as drf, relations, serializers
from rest_framework.settings import api_settings

from config.api import DisplayField


def row_reads(*paths: str):
    """Declares what a `get_<field>` method reads of its object, e.g. `@row_reads("status", "deadline")`.

    A path is a column of the model, a forward relation (its row is loaded whole: `"actor"`,
    `"rectification.finding_id"`) or a reverse one followed by what is read of each related row
    (`"lines.person.outcome"`: `obj.lines.all()` then gives stand-ins holding `person`).
    """

    def mark(method):
        method.row_reads = paths
        return method

    return mark


class Related(list):
    """A to-many relation of a stand-in object: `obj.lines.all()` works as on a model instance."""

    def all(self):
        return self


# --- converters: a field's to_representation, short-cut where it only passes a value through ---


def _converter(field):
    """value → representation (never called with None: DRF renders None as null without the field)."""

    def inherits(base):
        return isinstance(field, base) and type(field).to_representation is base.to_representation

    if inherits(drf.CharField):
        return lambda value: value if value.__class__ is str else str(value)
    if inherits(drf.IntegerField):
        return lambda value: value if value.__class__ is int else int(value)
    if inherits(drf.BooleanField):
        return lambda value: value if value.__class__ is bool else field.to_representation(value)
    if inherits(drf.ChoiceField) or inherits(drf.ReadOnlyField):
        return None  # the stored code is the output (ChoiceField maps a code to itself)
    if inherits(drf.DateField) and getattr(field, "format", api_settings.DATE_FORMAT) == drf.ISO_8601:
        return lambda value: value.isoformat() if value.__class__ is date else field.to_representation(value)
    return field.to_representation


def _is_iso_datetime(field) -> bool:
    """A DateTimeField rendered as DRF does by default: ISO 8601 in the current time zone."""
    return (isinstance(field, drf.DateTimeField) and type(field).to_representation is drf.DateTimeField.to_representation
            and getattr(field, "format", api_settings.DATETIME_FORMAT) == drf.ISO_8601
            and not hasattr(field, "timezone"))


def _in_zone(index, zone, field):
    def get(row):
        value = row[index]
        if value is None:
            return None
        if value.__class__ is not datetime or value.tzinfo is None:
            return field.to_representation(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    return get


def _converted(index, convert):
    def get(row):
        value = row[index]
        return None if value is None else convert(value)
    return get


def _labelled(index, labels):
    def get(row):
        value = row[index]
        return labels[value] if value in labels else (None if value is None else str(value))
    return get


def _related(index, rows, convert):
    def get(row):
        value = rows.get(row[index])
        return None if value is None else convert(value)
    return get


# --- compiling a serializer --------------------------------------------------------------------


def _model_field(model, name):
    if name == "pk":
        return model._meta.pk
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


class RowReader:
    """Reads the rows of one model as `serializer_class` would represent them."""

    _compiled: dict[tuple[type, type], "RowReader"] = {}

    @classmethod
    def of(cls, serializer_class, model=None) -> "RowReader":
        key = (serializer_class, model)
        if key not in cls._compiled:
            cls._compiled[key] = cls(serializer_class, model)
        return cls._compiled[key]

    def __init__(self, serializer_class=None, model=None):
        """`serializer_class` None: the rows of a relation only a method reads (stand-in objects, no output)."""
        serializer = serializer_class() if serializer_class else None
        self.serializer_class = serializer_class
        self.model = model or serializer.Meta.model
        self.lookups = ["pk"]  # row[0] is always the primary key
        self.outputs = []  # (name, kind, *data) in the serializer's field order
        self.children = {}  # relation name → (RowReader, the child's foreign key name)
        self.instance_reads = {}  # forward relation name → (row index of its id, related model)
        self.object_columns = {}  # attribute → row index, for stand-in objects
        self.object_children = set()  # to-many relations a stand-in object holds
        self.object_many = {}  # many-to-many relation → related model, for stand-in objects
        self.nested_objects = {}  # output name → (RowReader, row index of the foreign key)
        self.needs_objects = serializer is None
        self.method_fields = []
        self.finish = None
        self.translated = {}  # (field, language) → code → label, translated once rather than per row
        if serializer is not None:
            self._check_representation(serializer_class)
        readable = {name: field for name, field in (serializer.fields.items() if serializer else ()) if not field.write_only}
        for field in readable.values():  # nested lists first: methods may read through them too
            if isinstance(field, serializers.ListSerializer):
                self._child(field.source, type(field.child))
        self.outputs = [self._compile(name, field) for name, field in readable.items()]

    def _fail(self, name, why):
        raise ImproperlyConfigured(f"{self.serializer_class.__name__}.{name} cannot be read as rows: {why}")

    def _check_representation(self, serializer_class):
        """A serializer that changes its whole representation must do it in `finish(data)`, which
        its to_representation calls and the reader calls too (e.g. a field blanked for one role)."""
        own = serializer_class.to_representation
        if own not in (serializers.ModelSerializer.to_representation, serializers.Serializer.to_representation):
            if not hasattr(serializer_class, "finish"):
                raise ImproperlyConfigured(
                    f"{serializer_class.__name__} overrides to_representation: move the change into finish(data)")
            self.finish = "finish"

    def _column(self, lookup) -> int:
        if lookup in (self.model._meta.pk.name, self.model._meta.pk.attname):
            return 0
        if lookup not in self.lookups:
            self.lookups.append(lookup)
        return self.lookups.index(lookup)

    def _child(self, relation, serializer_class=None) -> "RowReader":
        field = _model_field(self.model, relation)
        if field is None or not field.one_to_many:
            raise ImproperlyConfigured(f"{self.model.__name__}.{relation} is not a reverse foreign key")
        if relation not in self.children:
            self.children[relation] = (RowReader(serializer_class, field.related_model), field.field.name)
        return self.children[relation][0]

    def _instance(self, relation) -> int:
        """Load the related rows of a forward relation whole (one query per model and page)."""
        index = self._column(relation)  # values_list gives the related row's id
        self.instance_reads[relation] = (index, _model_field(self.model, relation).related_model)
        return index

    def _compile(self, name, field):
        if isinstance(field, serializers.ListSerializer):
            return (name, "children", field.source)
        if isinstance(field, serializers.BaseSerializer):
            return self._compile_object(name, field)
        if isinstance(field, (relations.ManyRelatedField, relations.HyperlinkedRelatedField)):
            self._fail(name, "a to-many or hyperlinked relation")
        if isinstance(field, serializers.SerializerMethodField):
            return self._compile_method(name, field)
        if isinstance(field, DisplayField):
            labels = dict(self.model._meta.get_field(field.enum_field).flatchoices)
            return (name, "label", self._column(field.enum_field), labels)
        return self._compile_source(name, field)

    def _compile_object(self, name, field):
        """A related row shown as a nested object (a forward foreign key; null when there is none)."""
        model_field = _model_field(self.model, field.source)
        if model_field is None or not model_field.many_to_one:
            self._fail(name, "a nested object other than a forward foreign key")
        reader = RowReader(type(field), model_field.related_model)
        self.nested_objects[name] = (reader, self._column(field.source))
        return (name, "object")

    def _compile_source(self, name, field):
        model, path = self.model, []
        for attr in field.source_attrs:
            model_field = _model_field(model, attr) if model is not None else None
            if model_field is None or model_field.many_to_many or model_field.one_to_many:
                self._fail(name, f"source {field.source!r} is not a path of columns and forward relations")
            path.append(attr)
            model = model_field.related_model if model_field.is_relation and attr == model_field.name else None
        lookup = "__".join(path)
        if model is None:  # a column (a foreign key by its attname is one too)
            if _is_iso_datetime(field):
                return (name, "datetime", self._column(lookup), field)
            convert = None if isinstance(field, relations.RelatedField) else _converter(field)
            return (name, "column", self._column(lookup), convert)
        if isinstance(field, relations.SlugRelatedField):
            return (name, "column", self._column(f"{lookup}__{field.slug_field}"), None)
        if isinstance(field, relations.PrimaryKeyRelatedField):
            return (name, "column", self._column(lookup), None)
        if isinstance(field, relations.RelatedField) or len(path) > 1:
            self._fail(name, "a relation rendered otherwise than by its key, a slug or its own row's text")
        # A related row as the field renders it, e.g. a user by its name: CharField(source="actor").
        return (name, "instance", self._instance(lookup), model, _converter(field))

    def _compile_method(self, name, field):
        method = getattr(self.serializer_class, field.method_name)
        reads = getattr(method, "row_reads", None)
        if reads is None:
            self._fail(name, f"{field.method_name} does not declare what it reads (@row_reads)")
        for path in reads:
            self._object_read(path)
        self.needs_objects = True
        self.method_fields.append(field.method_name)
        return (name, "method", field.method_name)

    def _object_read(self, path: str) -> None:
        head, _, rest = path.partition(".")
        model_field = _model_field(self.model, head)
        if model_field is None:
            raise ImproperlyConfigured(f"{self.model.__name__} has no column or relation {head!r} (read {path!r})")
        if model_field.many_to_many:  # the related rows whole, in their model's default order
            if rest or not model_field.concrete:
                raise ImproperlyConfigured(f"{self.model.__name__}.{head}: only a forward many-to-many, whole")
            self.object_many[head] = model_field
        elif model_field.one_to_many:
            child = self._child(head)
            child.needs_objects = True
            if rest:
                child._object_read(rest)
            self.object_children.add(head)
        elif model_field.is_relation and head == model_field.name:
            self._instance(head)
        else:
            self.object_columns["pk" if head == "pk" else model_field.attname] = self._column(head)

    # --- reading --------------------------------------------------------------------------------

    def read(self, ids, context: dict, queryset=None) -> list[dict]:
        """The representation of the rows with these ids, in this order (ids-first pagination)."""
        rows = {row[0]: row for row in self.model._base_manager.filter(pk__in=ids).values_list(*self.lookups)}
        return self.represent([rows[pk] for pk in ids if pk in rows], context, queryset)[0]

    def represent(self, rows, context, queryset=None):
        """(dicts, stand-in objects by id or None) for rows fetched with `self.lookups`."""
        prefetches = _prefetches(queryset)
        pks = [row[0] for row in rows]
        nested = {name: reader.represent_children(fk, pks, context, prefetches.get(name))
                  for name, (reader, fk) in self.children.items()}
        instances = self._load_instances(rows)
        many = {name: self._load_many(name, field, pks) for name, field in self.object_many.items()}
        objects = {row[0]: self._stand_in(row, instances, nested, many) for row in rows} if self.needs_objects else None
        related = {name: self._load_objects(reader, index, rows, context)
                   for name, (reader, index) in self.nested_objects.items()}
        getters = self._getters(context, nested, instances, objects, related)
        names = [output[0] for output in self.outputs]
        dicts = [dict(zip(names, [get(row) for get in getters])) for row in rows]
        if self.finish:
            finish = getattr(self.serializer_class(context=context), self.finish)
            dicts = [finish(data) for data in dicts]
        return dicts, objects

    def _getters(self, context, nested, instances, objects, related):
        """One function per output field, row → its representation, bound to this call's context."""
        zone, language = timezone.get_current_timezone(), translation.get_language()
        serializer = self.serializer_class(context=context) if self.method_fields else None
        getters = []
        for name, kind, *data in self.outputs:
            if kind == "column":
                index, convert = data
                getters.append(itemgetter(index) if convert is None else _converted(index, convert))
            elif kind == "datetime":
                getters.append(_in_zone(data[0], zone, data[1]))
            elif kind == "label":
                if (name, language) not in self.translated:
                    self.translated[name, language] = {code: str(label) for code, label in data[1].items()}
                getters.append(_labelled(data[0], self.translated[name, language]))
            elif kind == "children":
                by_parent = nested[data[0]][0]
                getters.append(lambda row, by_parent=by_parent: by_parent.get(row[0], []))
            elif kind == "method":
                method = getattr(serializer, data[0])
                getters.append(lambda row, method=method: method(objects[row[0]]))
            elif kind == "object":
                index, by_id = self.nested_objects[name][1], related[name]
                getters.append(lambda row, index=index, by_id=by_id: by_id.get(row[index]))
            else:  # "instance": a related row as the field renders it
                getters.append(_related(data[0], instances[data[1]], data[2]))
        return getters

    def represent_children(self, fk: str, parent_ids, context, queryset=None):
        """({parent id: [dicts]}, {parent id: [objects]}) of the related rows of these parents."""
        base = queryset if queryset is not None else self.model._default_manager.all()
        rows = list(base.prefetch_related(None).filter(**{f"{fk}__in": parent_ids}).values_list(*self.lookups, fk))
        dicts, objects = self.represent(rows, context, queryset)
        by_parent, objects_by_parent = defaultdict(list), defaultdict(Related)
        for row, representation in zip(rows, dicts):
            by_parent[row[-1]].append(representation)
            if objects is not None:
                objects_by_parent[row[-1]].append(objects[row[0]])
        return by_parent, objects_by_parent

    def _load_instances(self, rows):
        wanted = defaultdict(set)
        for index, model in self.instance_reads.values():
            wanted[model].update(row[index] for row in rows if row[index] is not None)
        return {model: model._base_manager.in_bulk(ids) if ids else {} for model, ids in wanted.items()}

    def _load_objects(self, reader, index, rows, context) -> dict:
        ids = {row[index] for row in rows if row[index] is not None}
        found = list(reader.model._base_manager.filter(pk__in=ids).values_list(*reader.lookups)) if ids else []
        return dict(zip((row[0] for row in found), reader.represent(found, context)[0]))

    def _load_many(self, name, field, pks) -> dict:
        """{row id: [related rows]} of a many-to-many relation, in the related model's default order."""
        through = field.related_query_name()
        pairs = list(field.related_model._default_manager.filter(**{f"{through}__in": pks})
                     .values_list(through, "pk"))
        rows = field.related_model._base_manager.in_bulk({pk for _owner, pk in pairs})
        by_owner = defaultdict(Related)
        for owner, pk in pairs:
            by_owner[owner].append(rows[pk])
        return by_owner

    def _stand_in(self, row, instances, nested, many):
        obj = SimpleNamespace(pk=row[0])
        setattr(obj, self.model._meta.pk.attname, row[0])
        for attr, index in self.object_columns.items():
            setattr(obj, attr, row[index])
        for relation, (index, model) in self.instance_reads.items():
            setattr(obj, relation, instances[model].get(row[index]))
        for relation in self.object_children:
            setattr(obj, relation, nested[relation][1].get(row[0]) or Related())
        for relation, by_owner in many.items():
            setattr(obj, relation, by_owner.get(row[0]) or Related())
        return obj


def _prefetches(queryset) -> dict:
    """Relation → the queryset its Prefetch names (for the order of nested lists), from a queryset's lookups."""
    if queryset is None:
        return {}
    return {lookup.prefetch_through: lookup.queryset for lookup in queryset._prefetch_related_lookups
            if isinstance(lookup, Prefetch) and lookup.queryset is not None}


class RowListMixin:
    """A list endpoint that reads its page as rows (RowReader) — the same JSON as its serializer's.

    The page is found by its ids first (count and sort on the list's own table and indexes), then
    only those rows are read with their related ones: a sort over every matching row joined to its
    related tables — an insurer's claims of a month, the country's policies — is never needed.
    """

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        ids = self.paginate_queryset(queryset.prefetch_related(None).values_list("pk", flat=True))
        rows = RowReader.of(self.get_serializer_class()).read(ids, self.get_serializer_context(), queryset)
        return self.get_paginated_response(rows)
