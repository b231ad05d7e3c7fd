"""Cross-cutting services: notifications (in-app + e-mail), uploaded files."""
from __future__ import annotations

import hashlib
import io

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from .errors import CoreError
from .models import Notification, UploadedFile


def notify(user, *, title_th: str, title_en: str, body_th: str = "", body_en: str = "", link: str = "",
           email: bool = True) -> Notification:
    """Tell a user something: an in-app notification, and an e-mail in their language."""
    n = Notification.objects.create(user=user, title_th=title_th, title_en=title_en, body_th=body_th,
                                    body_en=body_en, link=link)
    if email and user.email:
        lang = user.language or "th"
        from .tasks import send_email

        subject = f"[EcoTown] {n.title(lang)}"
        body = (n.body(lang) + ("\n\n" + link if link else "")).strip()
        transaction.on_commit(lambda: send_email.enqueue(subject, body, [user.email]))
    return n


def mark_read(user, notification_ids=None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())


def _strip_exif(data: bytes, content_type: str) -> bytes:
    """Re-encode an image without its metadata (EXIF: GPS position, camera, owner)."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as img:
        img = ImageOps.exif_transpose(img)
        if content_type == "image/jpeg" and img.mode not in {"RGB", "L"}:
            img = img.convert("RGB")
        clean = Image.new(img.mode, img.size)
        clean.paste(img)
        out = io.BytesIO()
        fmt = "JPEG" if content_type == "image/jpeg" else "PNG"
        save_kwargs = {"quality": 90} if fmt == "JPEG" else {}
        clean.save(out, format=fmt, **save_kwargs)
        return out.getvalue()


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"PK\x03\x04"):
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    import codecs

    head = data[:65536]
    try:  # incremental: a Thai character cut at the end of the sample is not an error
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=len(head) == len(data))
    except UnicodeDecodeError:
        return None
    if any(ch in text for ch in "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x1a\x1b\x7f"):
        return None
    return "text/csv"


@transaction.atomic
def store_file(actor, organisation, name: str, data: bytes) -> UploadedFile:
    """Keep a file for an organisation the actor may change (registry files)."""
    from ecotown import access

    access.require(actor, access.Action.CHANGE, organisation)
    return save_upload(actor, organisation, name, data)


def check_upload(name: str, data: bytes) -> tuple[str, bytes]:
    """Check size and type (by content and extension); strip metadata from images.
    Returns (content type, bytes to keep) or raises ValidationError on `file`."""
    if len(data) > settings.ECOTOWN_MAX_UPLOAD_BYTES:
        from django.template.defaultfilters import filesizeformat

        from django.utils.functional import lazy

        # the limit is formatted when the message is read, in the reader's language
        raise CoreError.FILE_TOO_LARGE.invalid("file", limit=lazy(filesizeformat, str)(settings.ECOTOWN_MAX_UPLOAD_BYTES))
    content_type = _sniff(data)
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    allowed_ext = {"application/pdf": {".pdf"}, "image/jpeg": {".jpg", ".jpeg"}, "image/png": {".png"},
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {".xlsx"},
                   "text/csv": {".csv", ".txt"}}
    if content_type in allowed_ext and ext not in allowed_ext[content_type]:
        content_type = None
    if content_type not in settings.ECOTOWN_UPLOAD_TYPES:
        raise CoreError.FILE_TYPE_NOT_ACCEPTED.invalid("file")
    if content_type in {"image/jpeg", "image/png"}:
        try:
            data = _strip_exif(data, content_type)
        except Exception:
            raise CoreError.IMAGE_UNREADABLE.invalid("file") from None
    return content_type, data


@transaction.atomic
def save_upload(actor, organisation, name: str, data: bytes) -> UploadedFile:
    """Check and keep a file for an organisation. The CALLER checks the actor's right to do so
    (registry: change the organisation; reporting: report for it)."""
    content_type, data = check_upload(name, data)
    f = UploadedFile(
        organisation=organisation, original_name=(name or "upload")[:255], content_type=content_type,
        extension=settings.ECOTOWN_UPLOAD_TYPES[content_type], size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    f.file.save("upload", ContentFile(data), save=False)
    f.save()
    return f


# --------------------------------------------------------------------------------------------
# Reference data editions (activity catalogue, conversions, blends, GWP extras, KPI definitions)
# --------------------------------------------------------------------------------------------
@transaction.atomic
def sync_reference_editions(actor=None, names: tuple[str, ...] | None = None) -> list:
    """The edition rows of the reference files' contents as loaded (`ecotown.calc.reference`),
    creating a row for content not seen before (one query when every content is known). A row is
    never edited: new content is a new edition, labelled `<edition>+<hash prefix>` when the
    manifest still names an edition stored with other content."""
    from ecotown.calc import reference

    from . import history
    from .models import ReferenceEdition

    loaded = reference.editions(names)
    known = {(r.name, r.sha256): r for r in ReferenceEdition.objects.filter(
        name__in=[e.name for e in loaded], sha256__in=[e.sha256 for e in loaded])}
    out = []
    for e in loaded:
        row = known.get((e.name, e.sha256))
        if row is None:
            label = e.edition
            if ReferenceEdition.objects.filter(name=e.name, edition=label).exists():
                label = f"{e.edition}+{e.sha256[:8]}"
            row = history.save(actor, ReferenceEdition(
                name=e.name, title_th=e.title_th[:200], title_en=e.title_en[:200], edition=label[:200],
                source=e.source[:300], url=e.url, status=e.status, sha256=e.sha256, file_name=e.path[:255]),
                "reference data loaded")
        out.append(row)
    return out


def reference_provenance(names: tuple[str, ...]) -> list[dict]:
    """[{id, name, title_th, title_en, edition, status, sha256}] of the editions a result uses."""
    return [row.provenance() for row in sync_reference_editions(None, names)]
