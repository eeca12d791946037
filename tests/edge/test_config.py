from __future__ import annotations

from pathlib import Path

import pytest

from stockade.edge.config import ConfigError, flags_config, load_config, parse_address
from stockade.policy import SigningKey

EXAMPLE = Path(__file__).parents[2] / "examples" / "edge.toml"


def test_the_example_config_loads() -> None:
    config = load_config(EXAMPLE)
    assert config.edge.listen == ("127.0.0.1:8080",)
    assert [zone.name for zone in config.zones] == ["forum", "wiki"]
    assert config.snapshot().zones == config.zones


def test_nested_settings_and_defaults(tmp_path: Path) -> None:
    path = tmp_path / "edge.toml"
    path.write_text(
        '[edge]\nlisten = ["127.0.0.1:9000"]\nworkers = 2\n'
        "[edge.limits]\nheader_timeout = 2.5\n"
        "[edge.upstream]\nmax_idle = 4\n"
        '[[zones]]\nname = "a"\nhostnames = ["a.example"]\norigins = ["http://127.0.0.1:1"]\n'
    )
    config = load_config(path)
    assert config.edge.workers == 2
    assert config.edge.limits.header_timeout == 2.5
    assert config.edge.limits.max_headers == 100
    assert config.edge.upstream.max_idle == 4


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[edge\n", "is not valid TOML"),
        ('[edge]\nworkers = "two"\n', "edge.workers: Expected `int`, got `str`"),
        ("[edge]\nworkerz = 2\n", "unknown field `workerz`"),
        (
            '[[zones]]\nname = "a"\nhostnames = ["a.example"]\norigins = ["http://x"]\n'
            'orgins = ["http://y"]\n',
            "zones[0] has an unknown key 'orgins'",
        ),
        (
            '[[zones]]\nname = "a"\nhostnames = ["a.example"]\norigins = ["http://x"]\n'
            '[[zones.enforcements]]\nid = "e"\naction = "block"\nbasis = "policy"\n'
            'reason = "r"\nnotice_url = "/n"\nstatuss = 403\n',
            "zones[0].enforcements[0] has an unknown key 'statuss'",
        ),
        (
            '[[zones]]\nname = "a"\nhostnames = ["a.example"]\norigins = ["http://x"]\n'
            '[[zones.access_rules]]\naction = "block"\nip = ["192.0.2.1"]\n',
            "zones[0].access_rules[0] has an unknown key 'ip'; the keys are action, asns, "
            "countries, ips, note.",
        ),
        (
            '[[zones]]\nname = "a"\nhostnames = ["a.example"]\norigins = ["http://x"]\n'
            '[[zones.access_rules]]\naction = "block"\nips = ["192.0.2.1/24"]\n',
            "'192.0.2.1/24' has host bits set after the /24: write 192.0.2.0/24 for the whole "
            "block, or the address alone for one host.",
        ),
        (
            '[[zones]]\nname = "a"\nhostnames = ["a.example"]\norigins = ["http://x"]\n'
            '[[zones.access_rules]]\naction = "deny"\nips = ["192.0.2.1"]\n',
            "zones[0].access_rules[0].action",
        ),
        (
            '[[zones]]\nname = "a"\nhostnames = ["a.example"]\norigins = ["http://x"]\n'
            '[[zones.access_rules]]\naction = "challenge"\ncountries = ["France"]\n',
            "'France' is not a country code",
        ),
        ("[edge]\nworkers = 0\n", "edge.workers must be 1 or more"),
        ('[edge]\nlisten = ["localhost"]\n', "is not a listen address"),
        (
            '[[zones]]\nname = "a"\nhostnames = ["A.example"]\norigins = ["http://x"]\n',
            "not a valid hostname",
        ),
        (
            '[[zones]]\nname = "a"\nhostnames = ["a.example"]\norigins = ["http://x"]\n'
            '[[zones]]\nname = "b"\nhostnames = ["a.example"]\norigins = ["http://x"]\n',
            "belongs to one zone only",
        ),
    ],
)
def test_bad_config_files_name_the_file_and_the_problem(
    tmp_path: Path, text: str, words: str
) -> None:
    path = tmp_path / "edge.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(raised.value).startswith(str(path))
    assert words in str(raised.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Cannot read config file"):
        load_config(tmp_path / "missing.toml")


def test_routes_make_one_zone_each() -> None:
    config = flags_config(
        ["forum.example=http://127.0.0.1:9000", "wiki.example=https://10.0.0.1"],
        {"listen": ["127.0.0.1:8080"], "workers": 2, "admin_listen": "127.0.0.1:9145"},
    )
    assert [zone.hostnames for zone in config.zones] == [("forum.example",), ("wiki.example",)]
    assert config.edge.workers == 2
    assert config.edge.admin_listen == "127.0.0.1:9145"
    with pytest.raises(ConfigError, match="is not HOST=ORIGIN"):
        flags_config(["forum.example"], {})
    with pytest.raises(ConfigError, match=r"command line: .*is not usable"):
        flags_config(["forum.example=nowhere"], {})


def test_addresses() -> None:
    assert parse_address("127.0.0.1:80") == ("127.0.0.1", 80)
    assert parse_address("[::1]:8443") == ("::1", 8443)
    assert parse_address(":8080") == ("0.0.0.0", 8080)
    with pytest.raises(ConfigError, match="HOST:PORT"):
        parse_address("127.0.0.1:0")


def test_flags_override_the_file(tmp_path: Path) -> None:
    path = tmp_path / "edge.toml"
    path.write_text('[edge]\nworkers = 2\nlisten = ["127.0.0.1:9000"]\n')
    config = load_config(path, {"workers": 3})
    assert config.edge.workers == 3
    assert config.edge.listen == ("127.0.0.1:9000",)


def test_control_settings_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="control_key is missing"):
        flags_config([], {"control_url": "http://127.0.0.1:8000"})
    with pytest.raises(ConfigError, match="is not an Ed25519 key"):
        flags_config([], {"control_url": "http://127.0.0.1:8000", "control_key": "ed25519:AAAA"})
    with pytest.raises(ConfigError, match="is not a URL"):
        flags_config([], {"control_url": "127.0.0.1:8000", "control_key": "x"})
    key = SigningKey.generate().verify_key().to_text()
    with pytest.raises(ConfigError, match="Zones come from the control plane"):
        flags_config(["a.example=http://x"], {"control_url": "http://c", "control_key": key})
    config = flags_config([], {"control_url": "http://c", "control_key": key})
    assert config.edge.control_key == key
