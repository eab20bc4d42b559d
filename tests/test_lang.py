import pytest

from scratchdl.errors import ConfigError
from scratchdl.lang import default_lang


@pytest.mark.parametrize(("environ", "expected"), [
    ({}, "en"),
    ({"LANG": "ja_JP.UTF-8"}, "ja"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LC_ALL": "en_US.UTF-8", "LANG": "ja_JP.UTF-8"}, "en"),
    ({"LC_MESSAGES": "ja_JP.UTF-8", "LANG": "en_US.UTF-8"}, "ja"),
    ({"SCRATCHDL_LANG": "ja", "LANG": "en_US.UTF-8"}, "ja"),
    ({"SCRATCHDL_LANG": "en", "LC_ALL": "ja_JP.UTF-8"}, "en"),
])
def test_environment_sets_the_default_language(environ, expected):
    assert default_lang(environ) == expected


def test_an_unknown_language_names_the_variable():
    with pytest.raises(ConfigError, match="SCRATCHDL_LANG.*'fr'"):
        default_lang({"SCRATCHDL_LANG": "fr"})
