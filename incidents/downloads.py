"""An incident's file as a download: the same response for customers, the API and the engineers' admin."""

from __future__ import annotations

from django.http import FileResponse

from incidents.models import Attachment


def attachment_response(attachment: Attachment) -> FileResponse:
    """The file as uploaded, as a download that no browser renders, sniffs or caches.

    Raises `FileNotFoundError` when the storage no longer has it (each caller answers with
    its own 404)."""
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type="application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    # Should a browser render it anyway: no script, no plug-in, no same-origin access, nothing
    # loaded (the site-wide policy leaves a header already set alone).
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
