from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from institutions import selectors


@login_required
def home(request):
    return render(request, "home.html", {"summary": selectors.registry_summary(request.user)})
