from django.db import migrations, models
import django.db.models.deletion


def drop_unreconciled(apps, schema_editor):
    """The old declarations named an activity only (no year, no quantity): they cannot be reconciled
    with what the operator bought, so they are removed; the estate declares quantities per year."""
    apps.get_model("carbon", "EstateEnergySale").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('carbon', '0004_disclosure'),
        ('registry', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(drop_unreconciled, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name='estateenergysale', name='uniq_estate_energy_sale'),
        migrations.AddField(
            model_name='estateenergysale', name='seller',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='energy_sold',
                                    to='registry.organisation', verbose_name='seller'),
            preserve_default=False, ),
        migrations.AddField(model_name='estateenergysale', name='year',
                            field=models.PositiveIntegerField(verbose_name='year'), preserve_default=False),
        migrations.AddField(model_name='estateenergysale', name='quantity',
                            field=models.DecimalField(decimal_places=6, max_digits=20, verbose_name='quantity'),
                            preserve_default=False),
        migrations.AddField(model_name='estateenergysale', name='unit',
                            field=models.CharField(max_length=40, verbose_name='unit'), preserve_default=False),
        migrations.AlterModelOptions(name='estateenergysale',
                                     options={'ordering': ['year', 'estate_id', 'seller_id', 'activity']}),
        migrations.AddConstraint(model_name='estateenergysale',
                                 constraint=models.UniqueConstraint(fields=('seller', 'year', 'activity'),
                                                                    name='uniq_energy_sale')),
        migrations.AddField(model_name='monthresult', name='resold_scope2_t', field=models.FloatField(default=0.0)),
    ]
