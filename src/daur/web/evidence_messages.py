"""The evidence templates of the analytics core, listed so makemessages finds them."""
# ruff: noqa: E501  (the templates must stay identical to the analytics core's strings)

from django.utils.translation import gettext_noop

EVIDENCE_TEMPLATES = (
    # daur.analytics.lifecycle
    gettext_noop("Known to us, with no inbound interaction, qualified lead or order yet"),
    gettext_noop(
        "{interactions} inbound interactions (inquiry, visit, event, reply) and no order yet"
    ),
    gettext_noop("A qualified lead and no order yet"),
    gettext_noop("Exactly one order, {days} days ago, and not lapsed"),
    gettext_noop("{orders} orders, the last {days} days ago, and active"),
    gettext_noop("P(alive) {p_alive:.2f} (at least {threshold:.2f})"),
    gettext_noop("Loyal: loyalty score {score} of 4"),
    gettext_noop("Advocate: {referrals} referred customers have ordered"),
    gettext_noop("Advocate: latest NPS {nps} (at least {threshold})"),
    gettext_noop("P(alive) {p_alive:.2f} is below {threshold:.2f}"),
    gettext_noop(
        "No order for {days} days, more than {threshold} days (the longer of {min_days} days and {multiple} x the median gap)"
    ),
    gettext_noop("No order for {days} days (at least {threshold})"),
    # daur.analytics.typology
    gettext_noop(
        "{discounted} of {orders} orders used a discount or coupon ({share:.0%}, at least {threshold:.0%})"
    ),
    gettext_noop(
        "{unplanned} of {orders} orders were unplanned ({share:.0%}, at least {threshold:.0%}) and the gap CV is {gap_cv:.2f} (at least {cv_threshold:.2f})"
    ),
    gettext_noop(
        "{orders} orders at regular gaps (CV {gap_cv:.2f}, at most {cv_threshold:.2f}) in {categories} categories, {discount_share:.0%} on discount"
    ),
    gettext_noop("{visits_inquiries} visits and inquiries and no order"),
    gettext_noop("{visits} visits for {orders} orders (at least {threshold} per order)"),
    gettext_noop("{units} units, in the top {share:.0%} of buying customers (at least {cut})"),
    gettext_noop(
        "Spend {spend:,.2f} (units unknown), in the top {share:.0%} of buying customers (at least {cut:,.2f})"
    ),
    gettext_noop(
        "Predicted 12-month CLV {clv_12m:,.2f}, in the top {share:.0%} (at least {cut:,.2f})"
    ),
    gettext_noop("{referrals} referred customers have ordered (at least {threshold})"),
    gettext_noop("First buying customer in its market, followed by {followers} later buyers"),
    gettext_noop(
        "{suggestions} suggestions, {accepted} accepted (score {score:g}, at least {threshold:g})"
    ),
    gettext_noop("{complaints} complaints in the last {days} days (at least {threshold})"),
    gettext_noop("A complaint in the last {days} days and latest NPS {nps} (at most {threshold})"),
    gettext_noop("{inquiries} inquiries before the first order (at least {threshold})"),
    gettext_noop(
        "Average order {aov:,.2f} in the top {share:.0%} (at least {cut:,.2f}), {discount_share:.0%} of orders on discount, {premium_share:.0%} of spend premium"
    ),
    # daur.analytics.loyalty
    gettext_noop("{orders} orders (at least {threshold})"),
    gettext_noop("Bought in {categories} categories (at least {threshold})"),
    gettext_noop("Referred {referrals} customers (at least {threshold})"),
    gettext_noop("Latest NPS {nps} is a promoter's (at least {threshold})"),
    gettext_noop(
        "No gap between orders longer than {lapse_days} days, and {discount_share:.0%} of orders on discount (below {threshold:.0%})"
    ),
    gettext_noop(
        "Loyalty score {score} of 4 (at least {threshold}) and P(alive) {p_alive:.2f} (at least {p_alive_threshold:.2f})"
    ),
    gettext_noop("Loyalty score {score} of 4 (at least {threshold}); P(alive) not scored"),
    # daur.analytics.orientation
    gettext_noop(
        "{share:.0%} of spend on products launched within {days} days before the order (at least {threshold:.0%})"
    ),
    gettext_noop("{share:.0%} of spend on premium products (at least {threshold:.0%})"),
    gettext_noop("{share:.0%} of spend on budget products (at least {threshold:.0%})"),
    gettext_noop("{share:.0%} of orders on discount (at least {threshold:.0%})"),
    # daur.analytics.strategy
    gettext_noop("Stage {stage}"),
    gettext_noop("Past spend {spend:,.2f} in the top {share:.0%} of buyers (at least {cut:,.2f})"),
    gettext_noop(
        "Past spend {spend:,.2f} outside the top {share:.0%} of buyers (below {cut:,.2f})"
    ),
    gettext_noop("Expected 12-month margin {clv_12m:,.2f} below the cost to serve {cost:,.2f}"),
    gettext_noop(
        "Predicted 12-month CLV {clv_12m:,.2f} in the top {share:.0%} (at least {cut:,.2f})"
    ),
    gettext_noop("At risk: P(alive) {p_alive:.2f} below {threshold:.2f}"),
    gettext_noop("At risk: a complaint {days} days ago (within {threshold} days)"),
    gettext_noop("At risk: latest NPS {nps} (at most {threshold})"),
    gettext_noop("Prospect ({stage}) with lead score {lead_score:.2f} (at least {threshold:.2f})"),
    gettext_noop("Active: stage {stage}, P(alive) {p_alive:.2f} (at least {threshold:.2f})"),
    gettext_noop("Active: stage {stage}; P(alive) not scored"),
    gettext_noop("Buys in only {categories} categories (at most {threshold})"),
    gettext_noop("{share:.0%} of spend on the standard tier (at least {threshold:.0%})"),
    gettext_noop(
        "{tickets_per_order:.1f} tickets per order (at least {threshold:g}) and an average order of {aov:,.2f} in the bottom {share:.0%} (at most {cut:,.2f})"
    ),
    gettext_noop("Expected 12-month margin {clv_12m:,.2f} above the cost to serve {cost:,.2f}"),
    gettext_noop(
        "Spend of the last {days} days {recent:,.2f}, not above the {days} days before ({previous:,.2f})"
    ),
    gettext_noop("Predicted 12-month CLV {clv_12m:,.2f} below the buyers' median {median:,.2f}"),
    gettext_noop("No strategy rule fired (stage {stage})"),
    gettext_noop("No risk or gap found: keep what works"),
    gettext_noop(
        "Past spend and predicted CLV outside the top {share:.0%} of buyers; no other rule fired"
    ),
    gettext_noop(
        "Not yet: prospect below the start threshold (a lead score of at least {threshold:.2f})"
    ),
)
