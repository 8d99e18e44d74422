"""RulesConfig: SPEC defaults, overrides from a mapping or TOML, and clear errors."""

import pytest

from daur.analytics.rules_config import RulesConfig


def test_defaults_are_the_spec_thresholds():
    config = RulesConfig()
    assert config.types.discount_min_orders == 2
    assert config.types.discount_share == 0.60
    assert config.types.impulsive_gap_cv == 1.0
    assert config.types.need_gap_cv == 0.5
    assert config.lifecycle.lapse_min_days == 90
    assert config.lifecycle.lapse_gap_multiple == 3
    assert config.lifecycle.lost_days == 365
    assert config.lifecycle.p_alive_lapsed == 0.5
    assert config.lifecycle.p_alive_lost == 0.1
    assert config.types.top_share == 0.10
    assert config.strategy.value_top_share == 0.25
    assert config.strategy.protect_p_alive == 0.7
    assert config.features.new_product_days == 180
    assert config.features.unplanned_lookback_days == 14


def test_nested_mapping_overrides_only_the_named_settings():
    config = RulesConfig.from_mapping({"types": {"discount_share": 0.5}, "lifecycle": {}})
    assert config.types.discount_share == 0.5
    assert config.types.discount_min_orders == 2
    assert config.lifecycle == RulesConfig().lifecycle


def test_dotted_keys_override_and_ints_stay_ints():
    config = RulesConfig.from_mapping({"lifecycle.lost_days": 400.0, "strategy.cost_per_order": 2})
    assert config.lifecycle.lost_days == 400
    assert isinstance(config.lifecycle.lost_days, int)
    assert config.strategy.cost_per_order == 2.0
    assert isinstance(config.strategy.cost_per_order, float)


@pytest.mark.parametrize(
    ("mapping", "named"),
    [
        ({"types": {"discount_shares": 0.5}}, "types.discount_shares"),
        ({"typology.discount_share": 0.5}, "typology.discount_share"),
        ({"discount_share": 0.5}, "discount_share"),
    ],
)
def test_unknown_key_is_a_clear_error_naming_it(mapping, named):
    with pytest.raises(ValueError, match=f"unknown rules setting '{named}'"):
        RulesConfig.from_mapping(mapping)


@pytest.mark.parametrize("value", [True, "0.5", None])
def test_non_numbers_are_rejected(value):
    with pytest.raises(ValueError, match="types.discount_share"):
        RulesConfig.from_mapping({"types": {"discount_share": value}})


def test_fractional_value_for_a_whole_number_setting_is_rejected():
    with pytest.raises(ValueError, match="whole number"):
        RulesConfig.from_mapping({"lifecycle": {"lost_days": 365.5}})


def test_section_must_be_a_table():
    with pytest.raises(ValueError, match="table"):
        RulesConfig.from_mapping({"types": 3})


def test_from_toml(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(
        "[types]\ndiscount_share = 0.7\n\n[lifecycle]\nlost_days = 180\n", encoding="utf-8"
    )
    config = RulesConfig.from_toml(path)
    assert config.types.discount_share == 0.7
    assert config.lifecycle.lost_days == 180
    assert config.loyalty == RulesConfig().loyalty


def test_from_toml_unknown_key(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text("[strategy]\nprotect_palive = 0.6\n", encoding="utf-8")
    with pytest.raises(ValueError, match="strategy.protect_palive"):
        RulesConfig.from_toml(path)


def test_round_trip_through_as_mapping():
    config = RulesConfig.from_mapping({"types.top_share": 0.2})
    assert RulesConfig.from_mapping(config.as_mapping()) == config


def test_one_pair_of_nps_bands():
    surveys = RulesConfig().surveys
    assert (surveys.promoter_min_nps, surveys.detractor_max_nps) == (9.0, 6.0)
    assert not any("nps" in name for name in RulesConfig().as_mapping()["lifecycle"])


@pytest.mark.parametrize(
    ("key", "field"),
    [
        ("lifecycle.advocate_min_nps", "promoter_min_nps"),
        ("loyalty.promoter_min_nps", "promoter_min_nps"),
        ("types.detractor_max_nps", "detractor_max_nps"),
        ("strategy.detractor_max_nps", "detractor_max_nps"),
    ],
)
def test_the_nps_keys_of_earlier_versions_set_the_one_band(key, field, tmp_path):
    section, _, name = key.partition(".")
    path = tmp_path / "rules.toml"
    path.write_text(f"[{section}]\n{name} = 7\n", encoding="utf-8")
    config = RulesConfig.from_toml(path)
    assert getattr(config.surveys, field) == 7.0
    assert config == RulesConfig.from_mapping({f"surveys.{field}": 7})
    # the same value under the old and the new key is no conflict
    assert RulesConfig.from_mapping({key: 7, f"surveys.{field}": 7.0}) == config


def test_nps_keys_that_disagree_are_refused_naming_both():
    with pytest.raises(ValueError, match="'types.detractor_max_nps'.*'strategy.detractor_max_nps'"):
        RulesConfig.from_mapping({"types.detractor_max_nps": 5, "strategy.detractor_max_nps": 4})
    with pytest.raises(ValueError, match="'surveys.promoter_min_nps'.*'loyalty.promoter_min_nps'"):
        RulesConfig.from_mapping({"surveys": {"promoter_min_nps": 8}, "loyalty.promoter_min_nps": 9})
