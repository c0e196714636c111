"""Files on an incident: the limits every upload is checked against, and storing them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from incidents.errors import AttachmentRejected
from incidents.models import Attachment, Comment, Incident


def attachment_check(upload: UploadedFile) -> None:
    """Raise `AttachmentRejected` with a message naming the file when it breaks a limit."""
    name = upload.name or "file"
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise AttachmentRejected(
            _("%(name)s is %(size)s MB; files may be at most %(limit)s MB.")
            % {"name": name, "size": number_format(upload.size / 1024 / 1024, 1), "limit": limit // 1024 // 1024}
        )
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in settings.ATTACHMENT_ALLOWED_EXTENSIONS:
        allowed = ", ".join(settings.ATTACHMENT_ALLOWED_EXTENSIONS)
        raise AttachmentRejected(
            _("%(name)s: files of this type are not accepted. Allowed types: %(allowed)s.")
            % {"name": name, "allowed": allowed}
        )


def attachments_save(
    *,
    incident: Incident,
    comment: Comment | None,
    files: Sequence[UploadedFile],
    by: AbstractBaseUser,
    now: dt.datetime,
    is_internal: bool = False,
) -> None:
    for upload in files:
        attachment_check(upload)
    for upload in files:
        attachment = Attachment(
            incident=incident,
            comment=comment,
            original_name=(upload.name or "file")[:255],
            size=upload.size or 0,
            content_type=(getattr(upload, "content_type", "") or "")[:100],
            is_internal=is_internal,
            uploaded_by=by,
            uploaded_at=now,
        )
        attachment.file.save(upload.name or "file", upload, save=False)
        attachment.save()
