"""`written`: text a person wrote is marked with its language when its script says so."""
from ecotown.web.templatetags.ecotown import written


def test_thai_text_is_marked_thai_and_escaped():
    assert written("ขอข้อมูล <b>") == '<span lang="th">ขอข้อมูล &lt;b&gt;</span>'


def test_latin_text_is_left_as_it_is_escaped():
    assert written("How can <we> join?") == "How can &lt;we&gt; join?"
    assert written(None) == ""
