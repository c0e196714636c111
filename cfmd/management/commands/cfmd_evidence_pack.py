"""Write the CfMD evidence pack (the page at /cfmd/evidence-pack/) as a PDF.

manage.py cfmd_evidence_pack --output var/cfmd-evidence.pdf [--as-of 2026-01-01]
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from cfmd import views
from cfmd.pdf import PdfError, html_to_pdf


class Command(BaseCommand):
    help = "Write the CfMD evidence pack as a PDF (Playwright + Chromium)."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, required=True, help="Where to write the PDF, e.g. evidence.pdf")
        parser.add_argument("--as-of", dest="as_of", default="", help="Show the data as it stood on YYYY-MM-DD")

    def handle(self, *args, output: Path, as_of: str, **options):
        path = reverse("cfmd:evidence_pack")
        query = {"as_of": as_of} if as_of else {}
        request = RequestFactory().get(path, query)
        request.user = AnonymousUser()
        state = views.page_as_of(request, now=timezone.now())
        if state.error:
            raise CommandError(f"--as-of {as_of}: {state.error}", returncode=2)
        context = views.evidence_pack_context(request, state)
        context.update({"as_of": state, "today": state.on})
        html = render_to_string("cfmd/evidence_pack.html", context, request=request)
        page_url = settings.SITE_URL + path
        try:
            size = html_to_pdf(html=html, output=output, page_url=page_url)
        except PdfError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Wrote {output} ({size:,} bytes, data as of {state.on})."))
