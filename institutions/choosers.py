"""Choosing one institution in a staff form when the scope may hold tens of thousands of homes (issue 7).

The select lists a readable few — the search's matches (name contains, or the exact USCC), else the
first by name — plus the one already chosen, while validation accepts any home of the whole scoped
queryset. The search box beside it works without JavaScript: its button posts the form back, which
is shown again with every entered value and nothing saved (ChooserForm). static/js/institution-chooser.js
filters as you type through `lookup` (/institutions/lookup/) and refreshes the parts of the form that
depend on the chosen home ([data-follows-institution], e.g. its people)."""

from typing import NamedTuple

from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.utils import ErrorDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from institutions.models import Institution
from institutions.selectors import institutions_for, search_institutions

CHOICES_SHOWN = 50  # options in the select: enough to scan, few enough to render in no time
LOOKUP_LIMIT = 20  # rows the lookup endpoint answers
MAX_SEARCH = 100  # characters of search text considered
SEARCH_BUTTON = "search"  # the button's name: "show the form again", never "save"
LOOKUP_ROLES = (Role.ADMIN, Role.REGULATOR, Role.INSPECTOR)  # the staff whose forms choose a home
# What the script says under the select; it puts the number in for %(count)s.
SCRIPT_TEXTS = {
    "found": _("Institutions found: %(count)s. Choose one below."),
    "more": _("Only the first %(count)s matches are listed: type more of the name, or the USCC."),
    "none": _("No institution in your jurisdiction matches this search."),
    "failed": _("The search did not answer: press Search to try again."),
}


def homes_for(user, *, active_only: bool = False):
    homes = institutions_for(user)
    return (homes.filter(is_active=True) if active_only else homes).order_by("name", "pk")


def matching(homes, text: str):
    """The chooser's search: name or USCC (an address would match too many homes to choose from)."""
    return search_institutions(homes, (text or "")[:MAX_SEARCH], address=False)


def label(home: Institution) -> str:
    # The region tells apart the many homes of one name across a province or the country.
    return f"{home.name}（{home.region}）"


def lookup(user, text: str, *, active_only: bool = False) -> tuple[list[dict], bool]:
    """The JSON rows of the lookup endpoint, and whether more matched than it answers."""
    rows = list(matching(homes_for(user, active_only=active_only), text)[:LOOKUP_LIMIT + 1])
    return [
        {"id": home.pk, "name": home.name, "uscc": home.uscc, "region": str(home.region), "label": label(home)}
        for home in rows[:LOOKUP_LIMIT]
    ], len(rows) > LOOKUP_LIMIT


class Offer(NamedTuple):
    homes: list  # what the select lists, the chosen one first when the search did not find it
    matched: int  # how many of them the search found (or the first by name), at most `shown`
    more: bool  # more homes matched than are listed


class OfferedChoices(ModelChoiceIterator):
    """The select's options: the field's offer, never the whole queryset."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for home in self.field.offer().homes:
            yield self.choice(home)

    def __len__(self):
        return len(self.field.offer().homes) + (self.field.empty_label is not None)

    def __bool__(self):
        return True


class ChooserSelect(forms.Select):
    """The select, with the search box and its button before it (institutions/_chooser.html)."""

    def render(self, name, value, attrs=None, renderer=None):
        field = self.choices.field
        select = super().render(name, value, attrs, renderer)
        select_id = (attrs or {}).get("id") or self.attrs.get("id") or f"id_{name}"
        lookup_url = reverse("institution-lookup") + ("?active=1" if field.active_only else "")
        return render_to_string("institutions/_chooser.html", {
            "select": select, "name": name, "search_id": f"{select_id}_q", "search_name": field.search_name,
            "search_text": field.search_text, "offer": field.offer(),
            "lookup_url": lookup_url, "search_button": SEARCH_BUTTON, "texts": SCRIPT_TEXTS,
        })


class InstitutionChoiceField(forms.ModelChoiceField):
    """A home of the user's scope (ChooserForm sets the scope, the search text and the current value)."""

    widget = ChooserSelect
    iterator = OfferedChoices
    shown = CHOICES_SHOWN

    def __init__(self, *, active_only: bool = False, **kwargs):
        kwargs.setdefault("label", _("Institution"))
        kwargs.setdefault("empty_label", _("— choose —"))
        kwargs.setdefault("error_messages", {"invalid_choice": _("No such institution in your scope.")})
        super().__init__(queryset=None, **kwargs)
        self.active_only = active_only
        self.prepare(search_name="", search_text="", current=None)

    def for_user(self, user) -> None:
        self.queryset = homes_for(user, active_only=self.active_only)

    def prepare(self, *, search_name: str, search_text: str, current) -> None:
        self.search_name, self.search_text = search_name, (search_text or "").strip()[:MAX_SEARCH]
        self.current = current.pk if isinstance(current, Institution) else current
        self._offer, self._chosen = None, False

    def label_from_instance(self, obj):
        return label(obj)

    def _current_pk(self) -> int | None:
        value = str(self.current or "").strip()
        return int(value) if value.isdigit() else None

    def offer(self) -> Offer:
        if self._offer is None:
            listed = list(matching(self.queryset, self.search_text)[:self.shown + 1])
            more, listed = len(listed) > self.shown, listed[:self.shown]
            matched = len(listed)
            chosen = self.chosen()  # its own query even when listed: the page's count stays the same
            if chosen is not None and all(home.pk != chosen.pk for home in listed):
                listed.insert(0, chosen)
            self._offer = Offer(listed, matched, more)
        return self._offer

    def chosen(self) -> Institution | None:
        """The current value as a home of the scope, or None (nothing chosen, or not one of them)."""
        if self._chosen is False:
            pk = self._current_pk()
            self._chosen = self.queryset.filter(pk=pk).first() if pk is not None else None
        return self._chosen


class ChooserForm:
    """Mixin for a form with InstitutionChoiceFields. Each is scoped to `user`, told its search text
    (`<name>_q` in the posted data, else `search`, a GET page's) and current value; a form posted
    with the search button is shown again as entered: no save, no error messages."""

    def __init__(self, *args, user, search: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, InstitutionChoiceField):
                field.for_user(user)
                search_name = f"{self.add_prefix(name)}_q"
                text = self.data.get(search_name, "") if self.is_bound else search
                field.prepare(search_name=search_name, search_text=text, current=self[name].value())

    @property
    def searching(self) -> bool:
        return self.is_bound and SEARCH_BUTTON in self.data

    def full_clean(self):
        if self.searching:
            self._errors, self.cleaned_data = ErrorDict(), {}
            return
        super().full_clean()

    def is_valid(self):
        return not self.searching and super().is_valid()
