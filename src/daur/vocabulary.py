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
INTERACTION_KINDS = ("visit", "inquiry", "call", "email", "meeting", "event", "reply")
# Inbound interactions count as engagement (SPEC §1.2); visits and inquiries as "looking" (§1.3).
INBOUND_INTERACTION_KINDS = ("visit", "inquiry", "event", "reply")
TICKET_KINDS = ("complaint", "request", "suggestion")
TICKET_STATUSES = ("open", "in_progress", "waiting", "resolved", "closed")
TICKET_PRIORITIES = ("low", "normal", "high", "urgent")
CAMPAIGN_PURPOSES = ("acquisition", "retention")
LEAD_STAGES = ("new", "contacted", "qualified", "proposal", "won", "lost")
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
