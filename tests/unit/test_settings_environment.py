"""Every setting of ``domicili.toml`` can be given as ``DOMICILI_<SECTION>_<KEY>``."""

from __future__ import annotations

from pathlib import Path

import pytest

from domicili.config import Settings, environment_settings, load_settings
from domicili.errors import ConfigError
from domicili.i18n import speaking

pytestmark = pytest.mark.one_store  # no database


def test_a_variable_sets_its_setting_over_the_file(tmp_path: Path) -> None:
    file = tmp_path / "domicili.toml"
    file.write_text("[payment]\ndeadline_days = 7\nreminder_days = [3, 1]\n", "utf-8")
    settings = load_settings(file, environ={"DOMICILI_PAYMENT_DEADLINE_DAYS": "10"})
    assert settings.payment.deadline_days == 10
    assert settings.payment.reminder_days == [3, 1]  # what no variable names stays the file's


def test_without_a_file_the_variables_alone_make_the_settings() -> None:
    environ = {
        "DOMICILI_NOTIFICATIONS_NOTIFIER": "smtp",
        "DOMICILI_NOTIFICATIONS_OPTIONS_HOST": "smtp.example.fr",
        "DOMICILI_NOTIFICATIONS_OPTIONS_PORT": "587",
        "DOMICILI_NOTIFICATIONS_OPTIONS_STARTTLS": "true",
        "DOMICILI_PAYMENT_REMINDER_DAYS": "[5, 2]",
        "DOMICILI_EMAIL_SENDER": "contact@Domicili.Example",
        "DOMICILI_EMAIL_PROVIDERS_2_SENDER": "bureau@lumiere.example",
        "DOMICILI_ANNUAIRE_SERVICES_COWORKING": "Accès à un espace de coworking",
    }
    settings = load_settings(environ=environ)
    assert settings.notifications.notifier == "smtp"
    assert settings.notifications.options == {
        "host": "smtp.example.fr",
        "port": 587,
        "starttls": True,
    }
    assert settings.payment.reminder_days == [5, 2]
    assert settings.email.sender_for(1) == "contact@domicili.example"
    assert settings.email.sender_for(2) == "bureau@lumiere.example"
    assert settings.service_vocabulary()["coworking"] == "Accès à un espace de coworking"


def test_no_variable_leaves_the_built_in_defaults() -> None:
    assert environment_settings({"DOMICILI_DB": "x.db", "DOMICILI_FILES": "/srv/f"}) == {}
    # Secrets the adapters read are not settings, whatever section their name starts with.
    assert environment_settings({"DOMICILI_SMS_HTTP_AUTH": "Bearer x"}) == {}
    assert load_settings(environ={"PATH": "/usr/bin"}) == Settings.model_construct()


def test_a_variable_naming_no_setting_of_its_section_is_refused() -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(environ={"DOMICILI_PAYMENT_DEADLINE": "10"})
    assert str(refused.value) == (
        "DOMICILI_PAYMENT_DEADLINE: [payment] has no such setting; its settings: checkout_url, "
        "deadline_days, gateway, operator_email, reminder_days, signature_reminder_days, "
        "stripe_api_url."
    )


def test_a_wrong_value_names_its_variable_in_french() -> None:
    environ = {"DOMICILI_PAYMENT_DEADLINE_DAYS": "0"}
    with speaking("fr"), pytest.raises(ConfigError) as refused:
        load_settings(environ=environ)
    assert str(refused.value) == (
        "DOMICILI_PAYMENT_DEADLINE_DAYS : payment.deadline_days : doit valoir au moins 1."
    )
    with speaking("fr"), pytest.raises(ConfigError) as refused:
        load_settings(environ={"DOMICILI_EMAIL_SENDER": "pas-une-adresse"})
    assert str(refused.value).startswith("DOMICILI_EMAIL_SENDER : email.sender : ")


def test_a_wrong_value_in_the_file_reads_in_french(tmp_path: Path) -> None:
    file = tmp_path / "domicili.toml"
    file.write_text("[payment]\ndeadline_days = 0\n", "utf-8")
    with speaking("fr"), pytest.raises(ConfigError) as refused:
        load_settings(file, environ={})
    assert str(refused.value) == f"{file} : payment.deadline_days : doit valoir au moins 1."


def test_the_documentation_lists_every_variable() -> None:
    from domicili.config import environment_variables

    page = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text("utf-8")
    listed = [line.split("`")[1] for line in page.splitlines() if line.startswith("| `DOMICILI_")]
    assert [n for n in listed if n in environment_variables()] == environment_variables()
    assert "DOMICILI_NOTIFICATIONS_OPTIONS_<key>" in listed
