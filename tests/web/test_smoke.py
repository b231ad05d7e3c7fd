def test_world_builds(world):
    from ecotown.core.models import ChangeRecord

    assert world.F1.factory.diw_number == "3-105-1/45ชบ"
    assert world.F2.factory.diw_key == "N10200000125456"
    assert ChangeRecord.objects.filter(object_id=str(world.F1.pk), content_type__model="organisation").count() == 1
