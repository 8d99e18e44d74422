"""The words of the domain (SPEC §1, §3, §6): the closed value sets shared by models, CSV and demo.

Plain Python on purpose: the analytics core, the demo generator and the Django models all read it.
"""

from __future__ import annotations

CUSTOMER_KINDS = ("person", "organization")
RELATIONSHIPS = ("external", "intermediary", "internal")

# Prospecting channels of SPEC §1.6: the lead source and a customer's acquisition channel.
B2B_CHANNELS = (
    "referral",
    "networking",
    "exhibition",
    "seminar",
    "trade_show",
    "publicity",
    "website",
    "search_engine",
    "web_catalogue",
    "telemarketing",
    "email",
)
B2C_CHANNELS = (
    "advertising",
    "sampling",
    "free_trial",
    "discount",
    "coupon",
    "lottery",
    "merchandising",
    "event",
)
ACQUISITION_CHANNELS = B2B_CHANNELS + B2C_CHANNELS

PRODUCT_TIERS = ("budget", "standard", "premium")
INTERACTION_KINDS = (
    "visit", "inquiry", "call", "email", "meeting", "event", "reply", "note", "task"
)
# What a user logs or plans from a customer's or a lead's page (SPEC §6): activities.
ACTIVITY_KINDS = ("call", "email", "meeting", "note", "task")
# Inbound interactions count as engagement (SPEC §1.2); visits and inquiries as "looking" (§1.3).
INBOUND_INTERACTION_KINDS = ("visit", "inquiry", "event", "reply")
TICKET_KINDS = ("complaint", "request", "suggestion")
TICKET_STATUSES = ("open", "in_progress", "waiting", "resolved", "closed")
TICKET_PRIORITIES = ("low", "normal", "high", "urgent")
CAMPAIGN_PURPOSES = ("acquisition", "retention")
LEAD_STAGES = ("new", "contacted", "qualified", "proposal", "won", "lost")
OPEN_LEAD_STAGES = ("new", "contacted", "qualified", "proposal")
CLOSED_LEAD_STAGES = ("won", "lost")
# How a lead without an owner gets one (DAUR_LEAD_ASSIGNMENT); what a rule matches a lead on.
LEAD_ASSIGNMENT_MODES = ("value", "round_robin", "rules")
LEAD_RULE_FIELDS = ("source", "country", "industry")
LEAD_LOST_REASONS = (
    "price",
    "competitor",
    "budget",
    "missing_feature",
    "no_decision",
    "unresponsive",
    "poor_fit",
)
USER_ROLES = ("admin", "manager", "sales_rep", "marketer", "support_agent")

# The nine interchange files of SPEC §3, in its order (the CLI's kinds, the demo's files).
INTERCHANGE_KINDS = (
    "customers",
    "products",
    "orders",
    "order_lines",
    "interactions",
    "tickets",
    "surveys",
    "campaigns",
    "leads",
)
# The order to import them in: every kind after the kinds its rows refer to.
INTERCHANGE_IMPORT_ORDER = (
    "campaigns",
    "customers",
    "products",
    "leads",
    "orders",
    "order_lines",
    "interactions",
    "tickets",
    "surveys",
)
