"""Chinese first: the zh-hans catalogue is compiled and pages render in Chinese."""

from django.conf import settings

from tests.conftest import ROOT


def test_zh_hans_catalogue_is_compiled():
    assert (ROOT / "locale/zh_Hans/LC_MESSAGES/django.mo").stat().st_size > 0
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ


def test_home_page_renders_chinese_by_default(client):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in html
    assert "金坛区网格化基层治理平台" in html
    assert "网格化管理" in html


def test_language_switch_turns_the_page_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert "Jintan Grid Governance Platform" in html
    assert "金坛区网格化基层治理平台" not in html
    # The switch offers the way back, named in its own language.
    assert "简体中文" in html
