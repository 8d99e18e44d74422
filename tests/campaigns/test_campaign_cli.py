"""`daur campaign create|launch|report` and `daur export campaign_members`: exit codes and
one-line refusals (exit 2) for a bad id, date, value or file."""

from __future__ import annotations

import csv
import json

import pytest

from daur import cli
from daur.actions.community import event_create
from daur.campaigns.models import Campaign
from tests.campaigns.conftest import LAUNCH

pytestmark = pytest.mark.django_db


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def created(capsys, *extra):
    code, out, err = run(
        capsys, "campaign", "create", "--name", "Back", "--segment", "retained", "--offer",
        "coupon", "--discount-percent", "10", *extra,
    )
    assert code == 0, err
    return out.splitlines()[-1]


def test_create_launch_report_and_export(base, capsys, tmp_path):
    ident = created(capsys, "--holdout", "0.2", "--cost", "100000", "--expires", "2025-08-31")
    campaign = Campaign.objects.get(external_id=ident)
    assert (campaign.holdout_share, str(campaign.coupon_expires_on)) == (0.2, "2025-08-31")
    code, out, _ = run(capsys, "campaign", "launch", ident, "--seed", "7",
                       "--at", "2025-07-01T09:00:00+00:00")
    assert code == 0 and "60 members" in out and "(seed 7)" in out
    code, out, _ = run(capsys, "campaign", "report", ident, "--json")
    data = json.loads(out)
    assert code == 0 and data["campaign_id"] == ident and data["window_days"] == 30
    assert data["groups"]["treated"]["members"] + data["groups"]["holdout"]["members"] == 60
    assert data["measurable"] is False and "fewer than the 100 needed" in data["reason"]
    code, out, _ = run(capsys, "campaign", "report", str(campaign.pk))
    assert code == 0 and "not measurable" in out and "treated:" in out
    path = tmp_path / "members.csv"
    code, _, _ = run(capsys, "export", "campaign_members", str(path))
    rows = list(csv.reader(path.open()))
    assert code == 0 and rows[0] == [
        "campaign_id", "customer_id", "group", "coupon_code", "sent_at", "converted_at",
        "spend_in_window",
    ]
    assert len(rows) == 61 and {r[2] for r in rows[1:]} == {"treated", "holdout"}
    assert all(r[3] for r in rows[1:] if r[2] == "treated")
    assert all(r[6] == "0.00" and r[4] == r[5] == "" for r in rows[1:])


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (("campaign", "launch", "C999"), "no campaign has the id 'C999'"),
        (("campaign", "report", "nope"), "no campaign has the id 'nope'"),
        (("campaign", "launch", "{id}", "--at", "yesterday"), "--at: 'yesterday' is not an ISO"),
        (("campaign", "launch", "{id}", "--at", "2999-01-01"), "at: a launch recorded with"),
        (("campaign", "report", "{id}"), "is not launched yet"),
        (("export", "campaign_members", "/nonexistent/dir/x.csv"), "No such file or directory"),
    ],
)
def test_bad_ids_dates_and_files_are_refused_in_one_line(base, capsys, argv, says):
    ident = created(capsys)
    code, out, err = run(capsys, *(a.format(id=ident) for a in argv))
    assert code == 2 and says in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (("--holdout", "0"), "holdout: the hold-out share must be above 0 and below 1"),
        (("--holdout", "1"), "holdout: the hold-out share must be above 0 and below 1"),
        (("--expires", "31/08/2025"), "--expires: '31/08/2025' is not a date"),
        (("--window-days", "x"), "--window-days: 'x' is not a number of days"),
        (("--discount-percent", "150"), "discount-percent: a discount is above 0"),
        (("--cost", "abc"), "cost: 'abc' is not a number"),
    ],
)
def test_create_refuses_bad_values_in_one_line(base, capsys, extra, says):
    code, _, err = run(
        capsys, "campaign", "create", "--name", "X", "--segment", "Retained", "--offer", "coupon",
        "--discount-percent", "10", *extra,
    )
    assert code == 2 and says in err and len(err.strip().splitlines()) == 1
    assert not Campaign.objects.exists()


def test_create_refuses_an_unknown_segment_and_offer(base, capsys):
    code, _, err = run(capsys, "campaign", "create", "--name", "X", "--segment", "Nope",
                       "--offer", "newsletter")
    assert code == 2 and "--segment: no segment is named 'Nope'" in err
    code, _, err = run(capsys, "campaign", "create", "--name", "X", "--segment", "Retained",
                       "--offer", "lottery")
    assert code == 2 and "offer: 'lottery' is not one of" in err


def test_launching_twice_exits_2(base, capsys):
    ident = created(capsys)
    assert run(capsys, "campaign", "launch", ident, "--seed", "1")[0] == 0
    code, _, err = run(capsys, "campaign", "launch", ident)
    assert code == 2 and "was launched already" in err


def test_an_event_invitation_names_its_event(base, capsys):
    event = event_create(name="Gala", starts_at=LAUNCH)
    argv = ("campaign", "create", "--name", "Gala", "--segment", "Retained", "--offer",
            "event_invitation")
    code, _, err = run(capsys, *argv)
    assert code != 0 and "event: an event invitation needs its event." in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, *argv, "--event", "999999")
    assert code != 0 and "--event: no event has the number '999999'" in err
    code, out, _ = run(capsys, *argv, "--event", str(event.pk))
    assert code == 0 and Campaign.objects.get(external_id=out.splitlines()[-1]).event == event


def test_an_nps_survey_report_gives_the_answers_per_arm(base, capsys):
    from daur.actions.campaigns import campaign_create, campaign_launch
    from daur.actions.survey_rounds import survey_answer_by_token
    from daur.surveys.models import SurveyInvitation

    campaign = campaign_create(name="Ask", segment=base["segment"], offer="nps_survey", holdout=0.5)
    campaign_launch(campaign, seed="ask")
    tokens = list(SurveyInvitation.objects.values_list("token", flat=True))
    survey_answer_by_token(token=tokens[0], nps=10)
    code, out, _ = run(capsys, "campaign", "report", campaign.external_id, "--json")
    answers = json.loads(out)["survey_answers"]
    assert code == 0 and answers["treated"] == {
        "invited": len(tokens), "answered": 1, "answer_rate": pytest.approx(1 / len(tokens))
    }
    assert answers["holdout"] == {"invited": 0, "answered": 0, "answer_rate": None}
    code, out, _ = run(capsys, "campaign", "report", campaign.external_id)
    assert f"treated: 1 of {len(tokens)} invited answered" in out
