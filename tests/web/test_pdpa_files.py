"""Personal data (PDPA): export and erase one person; uploaded files: EXIF, types, size, access."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils.translation import override

from ecotown.accounts.models import ApiToken, User
from ecotown.accounts.services import issue_token
from ecotown.core import history, pdpa
from ecotown.core.models import ChangeRecord, UploadedFile
from ecotown.core.services import store_file
from ecotown.enquiries import services as enquiry_services
from ecotown.enquiries.models import Enquiry
from ecotown.registry import services as registry_services
from ecotown.registry.models import Contact

EMAIL = "preparer@example.test"
NAME = "Somchai Jaidee"
PHONE = "081-234-5678"


def counts() -> dict:
    out = {m.__name__: m.objects.count() for m in history.tracked_models()}
    out.update(ChangeRecord=ChangeRecord.objects.count(), User=User.objects.count(),
               UploadedFile=UploadedFile.objects.count(), files_on_disk=_files_on_disk())
    return out


def _files_on_disk() -> int:
    root = Path(settings.MEDIA_ROOT)
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


@pytest.fixture
def person(world):
    """The preparer, with a contact entry, an enquiry and an API token."""
    user = world.users["preparer"]
    user.first_name, user.last_name, user.phone = "Somchai", "Jaidee", PHONE
    user.save()
    registry_services.add_contact(world.users["approver"], world.F1,
                                  {"name": NAME, "position": "Energy manager", "email": EMAIL, "phone": PHONE})
    registry_services.add_contact(world.users["admin"], world.F3,
                                  {"name": NAME, "position": "Consultant", "email": EMAIL.upper(), "phone": PHONE})
    enquiry_services.submit(user, {"programme": "ghg_network", "name": NAME, "email": EMAIL, "phone": PHONE,
                                   "subject": "Joining the network", "message": "How do we join?"})
    issue_token(user)
    return user


def _all_history_text() -> str:
    return json.dumps([[r.before, r.after, r.object_repr, r.note, r.changed_fields] for r in ChangeRecord.objects.all()],
                      ensure_ascii=False)


# --- export ---------------------------------------------------------------------------------------------------

def test_export_person_contains_user_contacts_enquiries(world, person):
    data = pdpa.export_person(world.users["admin"], user=person)
    assert data["email"] == EMAIL
    assert data["user"]["username"] == "preparer"
    assert (data["user"]["first_name"], data["user"]["last_name"], data["user"]["phone"]) == ("Somchai", "Jaidee", PHONE)
    assert data["memberships"] == [{"organisation": "Factory One", "role": "factory_preparer", "active": True}]
    assert sorted((c["organisation"], c["name"], c["position"], c["phone"]) for c in data["contacts"]) == [
        ("Factory One", NAME, "Energy manager", PHONE), ("Factory Three", NAME, "Consultant", PHONE)]
    assert [(e["name"], e["subject"]) for e in data["enquiries"]] == [(NAME, "Joining the network")]
    json.dumps(data)  # JSON-ready


def test_export_by_email_only(world, person):
    data = pdpa.export_person(world.users["admin"], email=EMAIL)
    assert "user" not in data
    assert len(data["contacts"]) == 2


@pytest.mark.parametrize("who", ["officer", "estate", "preparer", "auditor", "outsider"])
def test_export_and_erase_forbidden_for_non_admins(world, person, who):
    before = counts()
    with pytest.raises(PermissionDenied):
        pdpa.export_person(world.users[who], user=person)
    with pytest.raises(PermissionDenied):
        pdpa.erase_person(world.users[who], user=person)
    assert counts() == before
    assert Contact.objects.filter(email=EMAIL).count() == 1


# --- erase ------------------------------------------------------------------------------------------------------

def test_history_never_holds_personal_values(world, person):
    text = _all_history_text()
    for value in (EMAIL, EMAIL.upper(), NAME, PHONE):
        assert value not in text
    rec = ChangeRecord.objects.filter(content_type__model="contact").first()
    assert (rec.after["name"], rec.after["email"], rec.after["phone"], rec.after["position"]) == ("•", "•", "•", "Consultant")


def test_erase_person_anonymises_everything(world, person):
    admin = world.users["admin"]
    n_users = User.objects.count()
    result = pdpa.erase_person(admin, user=person)
    assert result == {"contacts": 2, "enquiries": 1, "invitations": 0, "user": 1}
    person.refresh_from_db()
    assert (person.username, person.first_name, person.last_name, person.email, person.phone) == (
        f"erased-{person.pk}", "", "", "", "")
    assert person.is_active is False and person.has_usable_password() is False and person.erased_at is not None
    assert User.objects.count() == n_users  # kept, anonymised
    assert list(Contact.objects.filter(organisation__in=[world.F1, world.F3]).values_list("name", "email", "phone")) == [
        ("[erased]", "", ""), ("[erased]", "", "")]
    assert Contact.objects.filter(position="Energy manager").count() == 1  # not personal, kept
    e = Enquiry.objects.get(subject="Joining the network")
    assert (e.name, e.email, e.phone) == ("[erased]", "erased@invalid.invalid", "")
    assert ApiToken.objects.filter(user=person, revoked_at__isnull=True).count() == 0
    # the erasure itself is recorded, without the values
    erasures = ChangeRecord.objects.filter(note="PDPA erasure")
    assert erasures.count() == 3
    assert set(erasures.values_list("actor_id", flat=True)) == {admin.pk}
    text = _all_history_text()
    for value in (EMAIL, EMAIL.upper(), NAME, PHONE):
        assert value not in text
    # export afterwards finds nothing
    data = pdpa.export_person(admin, email=EMAIL)
    assert (data["contacts"], data["enquiries"], data["invitations"]) == ([], [], [])


def test_erased_user_cannot_sign_in_or_use_token(world, person, client):
    _, raw = issue_token(person)
    pdpa.erase_person(world.users["admin"], user=person)
    assert client.get("/api/registry/factories", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    assert not client.login(username="preparer", password="pw-preparer")


def test_erased_username_not_left_in_history(world, person):
    person.username = "somchai.jaidee"
    person.save()
    from ecotown.accounts.models import Membership

    m = Membership.objects.get(user=person)
    m.is_active = False
    history.save(world.users["admin"], m)
    pdpa.erase_person(world.users["admin"], user=person)
    assert "somchai.jaidee" not in _all_history_text()


# --- the people page --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["officer", "auditor", "estate", "preparer", "school", "outsider"])
def test_people_page_forbidden_for_non_admins(world, person, login, who):
    client = login(world.users[who])
    before = counts()
    assert client.get("/people/").status_code == 403
    assert client.get("/people/", {"username": "preparer"}).status_code == 403
    assert client.post("/people/", {"username": "preparer", "action": "erase"}).status_code == 403
    assert counts() == before
    assert User.objects.get(pk=person.pk).username == "preparer"


def test_people_page_anonymous_redirects_to_login(world, client):
    r = client.get("/people/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_people_page_admin_exports_and_erases(world, person, login):
    client = login(world.users["admin"])
    r = client.get("/people/", {"username": "preparer"})
    assert r.status_code == 200
    assert NAME in r.content.decode() and EMAIL in r.content.decode()
    r = client.get("/people/", {"username": "preparer", "download": "1"})
    assert r.status_code == 200
    assert r["Content-Type"] == "application/json"
    assert r["Content-Disposition"] == 'attachment; filename="personal-data.json"'
    assert json.loads(r.content)["user"]["phone"] == PHONE
    r = client.post("/people/", {"username": "preparer", "action": "erase"})
    assert r.status_code == 302 and r["Location"] == "/people/"
    assert User.objects.get(pk=person.pk).username == f"erased-{person.pk}"
    assert Contact.objects.filter(email__iexact=EMAIL).count() == 0


# --- files -------------------------------------------------------------------------------------------------------

def _jpeg_with_exif() -> bytes:
    from PIL import Image

    img = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x013B] = NAME                      # Artist
    exif[0x010F] = "CameraMaker"             # Make
    gps = {1: "N", 2: (13.0, 4.0, 36.0), 3: "E", 4: (100.0, 54.0, 33.0)}
    exif[0x8825] = gps                       # GPSInfo IFD
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_jpeg_fixture_really_has_exif():
    from PIL import Image

    data = _jpeg_with_exif()
    exif = Image.open(io.BytesIO(data)).getexif()
    assert exif[0x013B] == NAME
    assert exif.get_ifd(0x8825)[1] == "N"
    assert NAME.encode() in data


def test_upload_jpeg_strips_exif(world, login):
    from PIL import Image

    client = login(world.users["approver"])
    data = _jpeg_with_exif()
    r = client.post(f"/orgs/{world.F1.pk}/files/", {"file": SimpleUploadedFile("site.jpg", data, "image/jpeg")})
    assert r.status_code == 302 and r["Location"] == f"/orgs/{world.F1.pk}/"
    f = UploadedFile.objects.get(organisation=world.F1)
    assert (f.original_name, f.content_type, f.extension, f.uploaded_by_id) == (
        "site.jpg", "image/jpeg", ".jpg", world.users["approver"].pk)
    stored = Path(f.file.path).read_bytes()
    assert f.size == len(stored)
    assert NAME.encode() not in stored and b"CameraMaker" not in stored and b"Exif" not in stored
    with Image.open(io.BytesIO(stored)) as img:
        assert dict(img.getexif()) == {}
        assert img.size == (64, 48)
        assert img.getpixel((10, 10))[0] > 150  # still the same picture


def test_png_stored_and_pdf_kept_as_is(world):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA", (4, 4), (0, 0, 255, 128)).save(out, format="PNG")
    f = store_file(world.users["admin"], world.F1, "x.png", out.getvalue())
    assert (f.content_type, f.extension) == ("image/png", ".png")
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    f = store_file(world.users["admin"], world.F1, "report.pdf", pdf)
    assert (f.content_type, f.size) == ("application/pdf", len(pdf))
    assert Path(f.file.path).read_bytes() == pdf


@pytest.mark.parametrize("name, data", [
    ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200),
    ("tool", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4),
    ("blob.bin", bytes(range(255, -1, -1)) * 8),
    ("archive.gz", b"\x1f\x8b\x08\x00" + b"\xff\xfe" * 100),
    ("broken.jpg", b"\xff\xd8\xff\xe0" + b"not really a jpeg"),
])
def test_unaccepted_file_types_rejected(world, name, data):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        store_file(world.users["admin"], world.F1, name, data)
    assert list(exc.value.message_dict) == ["file"]
    assert counts() == before


def test_exe_upload_via_page_rejected_with_message(world, login):
    client = login(world.users["approver"])
    before = counts()
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
    r = client.post(f"/orgs/{world.F1.pk}/files/", {"file": SimpleUploadedFile("setup.exe", exe)},
                    HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert r.status_code == 200
    msgs = [str(m) for m in r.context["messages"]]
    assert "This kind of file is not accepted: use PDF, JPEG, PNG, Excel (.xlsx) or CSV." in msgs
    assert counts() == before


@pytest.mark.parametrize("data", [bytes(range(0, 128)) * 8, b"MZ\x00\x00\x00\x00This program cannot be run in DOS mode"])
def test_binary_that_happens_to_be_ascii_rejected(world, data):
    with pytest.raises(ValidationError):
        store_file(world.users["admin"], world.F1, "payload.exe", data)


def test_thai_csv_longer_than_4k_accepted(world):
    data = ("a" * 4095 + "ก,ข\n").encode("utf-8")
    f = store_file(world.users["admin"], world.F1, "data.csv", data)
    assert f.content_type == "text/csv"


def test_csv_accepted(world):
    data = "ชื่อ,ค่า\nไฟฟ้า,1200\n".encode("utf-8")
    f = store_file(world.users["admin"], world.F1, "data.csv", data)
    assert (f.content_type, f.extension, f.size) == ("text/csv", ".csv", len(data))


@override_settings(ECOTOWN_MAX_UPLOAD_BYTES=2 * 1024 * 1024)
def test_file_over_the_limit_rejected(world):
    before = counts()
    data = b"a," * (1024 * 1024) + b"x"
    with override("en"), pytest.raises(ValidationError) as exc:
        store_file(world.users["admin"], world.F1, "big.csv", data)
    assert exc.value.message_dict == {"file": ["The file is larger than 2.0\xa0MB."]}
    assert counts() == before
    ok = store_file(world.users["admin"], world.F1, "edge.csv", data[:-1])
    assert ok.size == 2 * 1024 * 1024


@override_settings(ECOTOWN_MAX_UPLOAD_BYTES=1000)
def test_small_limit_upload_via_page_rejected(world, login):
    client = login(world.users["approver"])
    before = counts()
    r = client.post(f"/orgs/{world.F1.pk}/files/", {"file": SimpleUploadedFile("big.csv", b"x" * 1001)}, follow=True)
    assert r.status_code == 200
    assert counts() == before
    assert UploadedFile.objects.count() == 0


@override_settings(ECOTOWN_MAX_UPLOAD_BYTES=500 * 1024)
def test_size_message_for_small_limit_is_meaningful(world):
    with override("en"), pytest.raises(ValidationError) as exc:
        store_file(world.users["admin"], world.F1, "big.csv", b"x" * (501 * 1024))
    assert "0 MB" not in exc.value.message_dict["file"][0]


def test_upload_forbidden_403_and_invisible_404(world, login, client):
    before = counts()
    data = "a,b\n1,2\n".encode()
    login(world.users["preparer"])  # sees F1 but may not change it
    r = client.post(f"/orgs/{world.F1.pk}/files/", {"file": SimpleUploadedFile("a.csv", data)})
    assert r.status_code == 403
    login(world.users["preparer2"])  # does not see F1
    r = client.post(f"/orgs/{world.F1.pk}/files/", {"file": SimpleUploadedFile("a.csv", data)})
    assert r.status_code == 404
    assert counts() == before
    with pytest.raises(PermissionDenied):
        store_file(world.users["preparer"], world.F1, "a.csv", data)
    assert counts() == before


@pytest.mark.parametrize("who, status", [
    ("admin", 200), ("officer", 200), ("estate", 200), ("preparer", 200), ("approver", 200),
    ("preparer2", 404), ("port", 404), ("school", 404), ("auditor", 404), ("outsider", 404),
])
def test_download_only_for_those_who_see_the_org(world, login, who, status):
    data = "ก,ข\n1,2\n".encode()
    f = store_file(world.users["approver"], world.F1, "ข้อมูล.csv", data)
    client = login(world.users[who])
    r = client.get(f"/files/{f.pk}/")
    assert r.status_code == status
    if status == 200:
        assert b"".join(r.streaming_content) == data
        assert r["Content-Disposition"].startswith("attachment;")
        assert r["X-Content-Type-Options"] == "nosniff"
        assert r["Content-Type"].startswith("text/csv")


def test_download_anonymous_redirects(world, client):
    f = store_file(world.users["approver"], world.F1, "a.csv", b"a,b\n")
    r = client.get(f"/files/{f.pk}/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
