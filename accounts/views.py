from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from accounts.services import api_token_create, api_token_delete
from config.crypto import mask


class SignInView(auth_views.LoginView):
    """The sign-in page: Google, or a password (admins). A failed password sign-in is a 400
    that says so, as every other bad form here is, with the username kept."""

    template_name = "accounts/login.html"

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


@never_cache  # the response that shows a new key must not stay in any cache
@login_required
@require_http_methods(["GET", "POST"])
def api_token(request: HttpRequest) -> HttpResponse:
    """Your API token: make one (shown in full this once), replace it, or delete it."""
    new_key = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            new_key = api_token_create(user=request.user).key
        elif action == "delete":
            if api_token_delete(user=request.user):
                messages.info(request, "Your API token is deleted; scripts using it get a 401.")
            return redirect("accounts:token")
        else:
            token = Token.objects.filter(user=request.user).first()
            context = {"token": token, "error": "Choose Create or Delete."}
            return render(request, "accounts/token.html", context, status=400)
    token = Token.objects.filter(user=request.user).first()
    context = {
        "token": token,
        "masked": mask(token.key) if token else "",
        "new_key": new_key,
        "api_url": request.build_absolute_uri("/api/jobs/"),
    }
    return render(request, "accounts/token.html", context)
