from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopePaths
from institutions.validators import validate_uscc


class Insurer(models.Model):
    """An insurance company underwriting liability policies (grows with the insurance issue)."""

    scope = ScopePaths(insurer="pk")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(_("USCC"), max_length=18, unique=True, validators=[validate_uscc])
    contact_person = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("insurer")
        verbose_name_plural = _("insurers")
        ordering = ["code"]

    def __str__(self):
        return self.name
