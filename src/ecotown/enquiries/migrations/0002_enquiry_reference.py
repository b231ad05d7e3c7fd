from django.db import migrations, models
from django.db.models import Q


def give_references(apps, schema_editor):
    from ecotown.enquiries.models import new_reference

    Enquiry = apps.get_model("enquiries", "Enquiry")
    taken = set()
    for e in Enquiry.objects.filter(reference="").only("pk"):
        ref = new_reference()
        while ref in taken:
            ref = new_reference()
        taken.add(ref)
        Enquiry.objects.filter(pk=e.pk).update(reference=ref)


class Migration(migrations.Migration):
    dependencies = [("enquiries", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="enquiry", name="reference",
            field=models.CharField(blank=True, default="", editable=False, max_length=20, verbose_name="reference number"),
        ),
        migrations.RunPython(give_references, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="enquiry",
            constraint=models.UniqueConstraint(condition=~Q(reference=""), fields=("reference",), name="uniq_enquiry_reference"),
        ),
    ]
