"""Job pages: the live progress page, its htmx partial, and Cancel / Retry failed / Re-index."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from config.api import ApplicationError
from indexing import selectors, services
from indexing.models import IndexJob


def _own_job(request: HttpRequest, pk: int) -> IndexJob:
    return get_object_or_404(IndexJob.objects.select_related("playlist"), pk=pk, user=request.user)


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    progress = selectors.job_progress(job=_own_job(request, pk))
    return render(request, "indexing/job_detail.html", {"p": progress})


@login_required
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The partial htmx polls; once the job has finished it comes back without the trigger."""
    progress = selectors.job_progress(job=_own_job(request, pk))
    return render(request, "indexing/_progress.html", {"p": progress})


def _act(request: HttpRequest, pk: int, action, done: str) -> HttpResponse:
    job = _own_job(request, pk)
    try:
        job = action(job)
        messages.success(request, done)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("indexing:job", pk=job.pk)


@require_POST
@login_required
def job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda j: services.index_job_cancel(job=j), "Job cancelled.")


@require_POST
@login_required
def job_retry_failed(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk, lambda j: services.index_job_retry_failed(job=j), "Retrying failed videos."
    )


@require_POST
@login_required
def job_reindex(request: HttpRequest, pk: int) -> HttpResponse:
    def reindex(job: IndexJob) -> IndexJob:
        return services.index_job_start(user=request.user, playlist=job.playlist, reindex=True)[0]

    return _act(request, pk, reindex, "Re-indexing the whole playlist.")
