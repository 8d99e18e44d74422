"""RFM scores: quintiles by average rank with ties, and the complete R x F segment grid."""

from __future__ import annotations

import numpy as np
import pytest

from daur.analytics.rfm import (
    NO_SEGMENT,
    SEGMENT_GRID,
    SEGMENTS,
    quintile_scores,
    rfm_scores,
    segment_codes_as_of,
    segment_of,
)


def test_distinct_values_fall_into_equal_quintiles():
    np.testing.assert_array_equal(quintile_scores(np.arange(10)), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
    np.testing.assert_array_equal(quintile_scores([50, 10, 40, 20, 30]), [5, 1, 4, 2, 3])


def test_ties_share_the_score_of_their_average_rank():
    # Ranks 1..4 of four equal values average 2.5 of 10 -> ceil(5 * 2.5 / 10) = 2.
    scores = quintile_scores([1, 1, 1, 1, 5, 6, 7, 8, 9, 10])
    np.testing.assert_array_equal(scores, [2, 2, 2, 2, 3, 3, 4, 4, 5, 5])
    assert len(set(quintile_scores([3.0] * 7))) == 1


def test_recency_scores_favour_the_most_recent():
    scores = rfm_scores(recency_days=[1, 400, 30, 90, 200], frequency=[1] * 5, monetary=[1] * 5)
    np.testing.assert_array_equal(scores.recency, [5, 1, 4, 3, 2])


@pytest.mark.parametrize("r", range(1, 6))
@pytest.mark.parametrize("f", range(1, 6))
def test_every_grid_cell_is_reached_and_named_as_in_the_spec(r, f):
    # Five customers per score so that each customer's (r, f) is exactly the wanted cell.
    spec = {
        (5, 1): "New Customers", (5, 2): "Potential Loyalist", (5, 3): "Potential Loyalist",
        (5, 4): "Champions", (5, 5): "Champions",
        (4, 1): "Promising", (4, 2): "Potential Loyalist", (4, 3): "Potential Loyalist",
        (4, 4): "Loyal Customers", (4, 5): "Loyal Customers",
        (3, 1): "About To Sleep", (3, 2): "About To Sleep", (3, 3): "Need Attention",
        (3, 4): "Loyal Customers", (3, 5): "Loyal Customers",
        (2, 1): "Hibernating", (2, 2): "Hibernating", (2, 3): "At Risk", (2, 4): "At Risk",
        (2, 5): "Can't Lose Them",
        (1, 1): "Lost", (1, 2): "Hibernating", (1, 3): "At Risk", (1, 4): "At Risk",
        (1, 5): "Can't Lose Them",
    }
    recency_days = np.array([500, 300, 100, 30, 1])  # scores 1..5
    frequency = np.array([1, 2, 3, 4, 5])  # scores 1..5
    customers = rfm_scores(recency_days, np.roll(frequency, r - f), [10, 20, 30, 40, 50])
    i = r - 1
    assert (customers.recency[i], customers.frequency[i]) == (r, f)
    assert customers.segment[i] == spec[(r, f)]
    assert segment_of(r, f) == spec[(r, f)] == SEGMENT_GRID[r - 1][f - 1]


def test_the_grid_and_the_segment_list_agree():
    assert len(SEGMENT_GRID) == 5 and all(len(row) == 5 for row in SEGMENT_GRID)
    assert {name for row in SEGMENT_GRID for name in row} == set(SEGMENTS)
    assert len(SEGMENTS) == len(set(SEGMENTS)) == 11


def test_bad_scores_and_nan_are_refused():
    with pytest.raises(ValueError):
        segment_of(0, 3)
    with pytest.raises(ValueError):
        quintile_scores([1.0, np.nan])


def test_rfm_on_cdnow_uses_all_five_scores(cdnow_summary):
    from daur.analytics.rfm import rfm_from_summary

    scores = rfm_from_summary(cdnow_summary)
    assert set(np.unique(scores.recency)) <= {1, 2, 3, 4, 5}
    assert set(np.unique(scores.monetary)) == {1, 2, 3, 4, 5}
    assert set(scores.segment) <= set(SEGMENTS)


def test_segments_as_of_a_day_count_only_the_orders_up_to_it():
    edges = {"r": [-1000.0, -180.0, -90.0, -60.0, -30.0], "f": [1.0, 2.0, 3.0, 4.0, None]}
    # Customer 0: orders on days 100 (2 orders), 150, 200. Customer 1: day 195. Customer 2: 250.
    as_of_210 = segment_codes_as_of(
        customer_index=np.array([0, 0, 0, 1, 2]),
        day=np.array([100, 150, 200, 195, 250]),
        orders=np.array([2, 1, 1, 1, 1]),
        n_customers=3,
        as_of_day=210,
        edges=edges,
    )
    # 0: 10 days since day 200, 4 orders: R 5 F 4; 1: 15 days, 1 order: R 5 F 1; 2: not yet
    assert [SEGMENTS[c] if c >= 0 else None for c in as_of_210] == [
        "Champions",
        "New Customers",
        None,
    ]
    assert as_of_210[2] == NO_SEGMENT
    as_of_180 = segment_codes_as_of(
        customer_index=np.array([0, 0, 0, 1, 2]),
        day=np.array([100, 150, 200, 195, 250]),
        orders=np.array([2, 1, 1, 1, 1]),
        n_customers=3,
        as_of_day=180,
        edges=edges,
    )
    # 0 on day 180: 30 days since day 150, 3 orders (F edge 5 is None, so F stays 3): R 5 F 3
    assert SEGMENTS[as_of_180[0]] == "Potential Loyalist" and as_of_180[1] == NO_SEGMENT
    as_of_400 = segment_codes_as_of(
        customer_index=np.array([0, 0, 0, 1, 2]),
        day=np.array([100, 150, 200, 195, 250]),
        orders=np.array([2, 1, 1, 1, 1]),
        n_customers=3,
        as_of_day=400,
        edges=edges,
    )
    # 0: 200 days since, 4 orders: R 1 F 4; 1: 205 days, 1 order: R 1 F 1; 2: 150 days: R 2 F 1
    assert [SEGMENTS[c] for c in as_of_400] == ["At Risk", "Lost", "Hibernating"]
