"""Operations (health check) and the audit log's pages."""

from __future__ import annotations

import csv
from datetime import datetime, time
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from carecast.accounts.models import User
from carecast.accounts.permissions import Action, can
from carecast.core import audit_actions as actions
from carecast.core.audit import audit_log, registered_actions
from carecast.core.models import AuditEntry


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers and the task queue's storage can be read; 503 otherwise."""
    checks: dict[str, Any] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = {"ok": True, "vendor": connection.vendor}
    except Exception as exc:
        checks["database"] = {"ok": False, "error": exc.__class__.__name__}
    try:
        from huey.contrib.djhuey import HUEY

        checks["queue"] = {
            "ok": True,
            "storage": type(HUEY).__name__,
            "pending": HUEY.pending_count(),
            "scheduled": HUEY.scheduled_count(),
        }
    except Exception as exc:
        checks["queue"] = {"ok": False, "error": exc.__class__.__name__}
    ok = all(c["ok"] for c in checks.values())
    return JsonResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503
    )


def _filtered(request: HttpRequest, user: User) -> tuple[QuerySet[AuditEntry], dict[str, str]]:
    qs = AuditEntry.objects.filter(organization_id=user.tenant_id).select_related("actor")
    f = {k: request.GET.get(k, "").strip() for k in ("action", "actor", "object", "since", "until")}
    if f["action"]:
        qs = qs.filter(action=f["action"])
    if f["actor"]:
        qs = qs.filter(actor_label__icontains=f["actor"])
    if f["object"]:
        qs = qs.filter(object_type__icontains=f["object"]) | qs.filter(object_repr__icontains=f["object"])
    tz = user.tenant.tz
    for key, op, t in (("since", "gte", time.min), ("until", "lte", time.max)):
        if f[key]:
            try:
                day = datetime.strptime(f[key], "%Y-%m-%d").date()
            except ValueError:
                f[key + "_error"] = "Use a date like 2026-11-22."
                continue
            qs = qs.filter(**{f"created_at__{op}": datetime.combine(day, t, tzinfo=tz)})
    return qs.order_by("-id"), f


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if not can(user, Action.AUDIT_VIEW):
        return render(request, "web/forbidden.html", {"what": "see the audit log"}, status=403)
    qs, filters = _filtered(request, user)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_list.html",
        {
            "page": page,
            "filters": filters,
            "actions": registered_actions(),
            "query": query.urlencode(),
            "can_export": can(user, Action.AUDIT_EXPORT),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def audit_export(request: HttpRequest) -> HttpResponseBase:
    user = request.user
    assert isinstance(user, User)
    if not can(user, Action.AUDIT_EXPORT):
        return render(request, "web/forbidden.html", {"what": "export the audit log"}, status=403)
    qs, filters = _filtered(request, user)
    audit_log(
        action=actions.AUDIT_EXPORT,
        actor=user,
        organization=user.organization,
        after={k: v for k, v in filters.items() if v},
    )
    writer = csv.writer(_Echo())
    header = [
        "id",
        "time_utc",
        "actor",
        "action",
        "object_type",
        "object_id",
        "object",
        "before",
        "after",
        "reason",
        "request_id",
        "client_ip",
        "hash",
        "prev_hash",
    ]

    def rows() -> Any:
        yield writer.writerow(header)
        for e in qs.order_by("id").iterator(chunk_size=1000):
            yield writer.writerow(
                [
                    e.pk,
                    e.created_at.isoformat(),
                    e.actor_label,
                    e.action,
                    e.object_type,
                    e.object_id,
                    e.object_repr,
                    e.before,
                    e.after,
                    e.reason,
                    e.request_id,
                    e.client_ip or "",
                    e.hash,
                    e.prev_hash,
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="carecast-audit.csv"'
    return response
