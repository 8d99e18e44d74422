"""Splink's deduplication of bench/duplicates.py's customers; runs in splink's own virtualenv.

Reads the CSV the bench wrote (unique_id, name, email, phone, city; e-mail and phone already
normalised to the same keys Daur uses, empty for none), trains a Fellegi-Sunter model without
labels (u by random sampling, m by expectation maximisation on three blocking rules) and predicts
with the same blocks as Daur: the same e-mail, the same phone, the same name sound key, the
same initials in the same city. Prints one JSON object: the pairs at or above the threshold and
the seconds of each step.
"""

from __future__ import annotations

import json
import sys
import time

import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on
from splink.backends.duckdb import DuckDBAPI


def main(path: str, threshold: float) -> None:
    started = time.perf_counter()
    db_api = DuckDBAPI()
    table = db_api.register_from_csv(path)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("name", [0.97, 0.9, 0.8]),
            cl.ExactMatch("email"),
            cl.ExactMatch("phone"),
            cl.ExactMatch("city"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("email"),
            block_on("phone"),
            block_on("name_key"),
            block_on("initials", "city"),
        ],
        retain_matching_columns=False,
    )
    linker = Linker(table, settings, log_level=40)
    loaded = time.perf_counter()
    linker.training.estimate_probability_two_random_records_match(
        [block_on("email"), block_on("phone")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("email"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("phone"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name_key"))
    trained = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    rows = predictions.as_record_list()
    predicted = time.perf_counter()
    pairs = [[int(r["unique_id_l"]), int(r["unique_id_r"])] for r in rows]
    print(
        json.dumps(
            {
                "pairs": pairs,
                "load_s": loaded - started,
                "train_s": trained - loaded,
                "predict_s": predicted - trained,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
