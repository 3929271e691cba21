"""Kiosk config: validated on load, errors name the key; secrets never come from the file."""

import pytest

from edge.config import ConfigError, load_config


def _write(tmp_path, text):
    p = tmp_path / "kiosk.toml"
    p.write_text(text)
    return p


def test_valid_config_resolves_relative_data_dir(tmp_path):
    cfg = load_config(_write(tmp_path, 'kiosk_id = "k1"\ndata_dir = "data"\n[broker]\nport = 1999\n'))
    assert cfg.data_dir == tmp_path / "data"
    assert cfg.broker.port == 1999
    assert cfg.mqtt_username == "k1"


@pytest.mark.parametrize("text, key", [
    ('kiosk_id = "k1"\ndata_dir = "d"\ncolour = "red"\n', "colour: unknown key"),
    ('kiosk_id = "k1"\ndata_dir = "d"\n[broker]\nport = 70000\n', "broker.port"),
    ('kiosk_id = "k 1"\ndata_dir = "d"\n', "kiosk_id"),
    ('kiosk_id = "k1"\ndata_dir = "d"\n[outbox]\nmax_photo_bytes = -1\n', "outbox.max_photo_bytes"),
    ('kiosk_id = "k1"\n', "data_dir"),
    ('kiosk_id = "k1"\ndata_dir = "d"\n[broker]\npassword = "x"\n', "broker.password: unknown key"),
])
def test_bad_config_names_the_key(tmp_path, text, key):
    with pytest.raises(ConfigError) as e:
        load_config(_write(tmp_path, text))
    assert key in str(e.value)
    assert "kiosk.toml" in str(e.value)


def test_not_toml_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(_write(tmp_path, "kiosk_id = \n"))
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.toml")


def test_password_from_env_then_credentials_dir(tmp_path, monkeypatch):
    cfg = load_config(_write(tmp_path, 'kiosk_id = "k1"\ndata_dir = "d"\n'))
    monkeypatch.delenv("RETURNS_KIOSK_MQTT_PASSWORD", raising=False)
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "mqtt-password").write_text("from-file\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))
    assert cfg.mqtt_password() == "from-file"
    monkeypatch.setenv("RETURNS_KIOSK_MQTT_PASSWORD", "from-env")
    assert cfg.mqtt_password() == "from-env"
