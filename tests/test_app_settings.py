"""app.py's settings expander: drawn empty while closed (issue #19: a fresh browser need not fetch the number and
date inputs), and the settings a user chose kept all the same."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from txip_geo.figures.compute import Settings
from txip_geo.strings import t

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app(demo_db, monkeypatch):
    monkeypatch.setenv("TXIP_DB", str(demo_db))
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


def test_closed_settings_draw_no_inputs_and_keep_the_chosen_values(app):
    app.run()
    assert not app.exception
    (exp,) = [e for e in app.sidebar.expander if e.label == t("settings.title")]
    assert not exp.number_input and not exp.date_input and not exp.radio  # closed: nothing drawn in it
    assert app.session_state["long_years"] == Settings().long_years  # the default, with no widget drawn
    app.session_state["long_years"] = 7  # as if chosen while the expander was open
    app.session_state["population_base"] = "户籍"
    app.run()
    app.run()  # two runs with the widgets not drawn: the values stay
    assert not app.exception
    assert app.session_state["long_years"] == 7 and app.session_state["population_base"] == "户籍"


def test_opened_settings_draw_the_inputs_with_the_kept_values(app):
    app.run()
    app.session_state["long_years"] = 7
    app.run()
    app.session_state["settings_open"] = True  # the user opens the expander (it reruns the page)
    app.run()
    assert not app.exception
    (exp,) = [e for e in app.sidebar.expander if e.label == t("settings.title")]
    assert exp.number_input[0].value == 7 and exp.date_input and len(exp.radio) == 2
    exp.number_input[0].set_value(5).run()  # changed through its widget
    app.session_state["settings_open"] = False  # closed again: the widget is no longer drawn
    app.run()
    app.run()
    assert not app.exception and app.session_state["long_years"] == 5
