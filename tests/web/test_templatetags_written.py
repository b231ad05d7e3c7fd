"""`written`: text a person wrote is marked with its language when its script says so and the page
is in another language."""
from django.utils import translation

from ecotown.web.templatetags.ecotown import written


def test_thai_text_on_an_english_page_is_marked_thai_and_escaped():
    with translation.override("en"):
        assert written("ขอข้อมูล <b>") == '<span lang="th">ขอข้อมูล &lt;b&gt;</span>'


def test_thai_text_on_a_thai_page_and_latin_text_are_left_as_they_are_escaped():
    with translation.override("th"):
        assert written("ขอข้อมูล <b>") == "ขอข้อมูล &lt;b&gt;"
    with translation.override("en"):
        assert written("How can <we> join?") == "How can &lt;we&gt; join?"
        assert written(None) == ""
