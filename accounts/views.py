from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from accounts.services import mark_notifications_read


def _ip_rate(group, request):
    return settings.LOGIN_RATE_IP


def _username_rate(group, request):
    return settings.LOGIN_RATE_USERNAME


@method_decorator(ratelimit(key="ip", rate=_ip_rate, method="POST", block=False), name="post")
@method_decorator(ratelimit(key="post:username", rate=_username_rate, method="POST", block=False), name="post")
class LoginView(auth_views.LoginView):
    """Password login, throttled per address and per username against guessing."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if getattr(request, "limited", False):
            # Unbound: reading a bound form's errors would run the very password check we refuse.
            form = self.get_form_class()(request, initial={"username": request.POST.get("username", "")})
            return self.render_to_response(self.get_context_data(form=form, throttled=True), status=429)
        return super().post(request, *args, **kwargs)



@login_required
def notifications(request):
    """The signed-in user's messages (reminders, notices), newest first."""
    page = Paginator(request.user.notifications.all(), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request):
    mark_notifications_read(user=request.user)
    messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications")
