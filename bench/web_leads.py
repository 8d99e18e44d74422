"""The lead pipeline of bench/web.py: generated leads, their activities, stage changes and
scores (INSERT ... SELECT generate_series, like the customers), and the pages timed on them.

`n` open leads spread over the four open stages and the 20 sales reps, plus n / 10 closed ones
(a third won, the rest lost with a reason). Every lead has a logged call; every open lead a
planned activity, three in ten of them overdue (due 1-30 days ago), the others due in the next
30 days. Each lead's moves through the stages are stored as LeadStageChange rows, spread
evenly between its creation and now. Each open lead has a score (win probability and one
factor) as `daur score` would store it, with its lead's owner and expected value (its value at
stake). Values are hashes of the id, drawn independently.
"""

from __future__ import annotations

import psycopg

GENERATE_LEADS = """
INSERT INTO leads_lead (custom_fields, updated_at, external_id, name, source, campaign_id,
    created_at, stage, owner_id, email, company, expected_value, lost_reason,
    converted_customer_id, converted_at, country, industry, assigned_at, assignment_reason)
SELECT '{}', now(), 'L' || lpad(g::text, 7, '0'),
    (ARRAY['Andi','Budi','Citra','Dewi','Eko','Fitri','Gita','Hadi','Indra','Joko'])[1 + h.h1 % 10]
      || ' ' || (ARRAY['Santoso','Wijaya','Putri','Saputra','Lestari','Hidayat','Rossi',
      'Bianchi'])[1 + h.h2 % 8],
    (ARRAY['advertising','email','website','referral','sampling'])[1 + h.h3 % 5],
    CASE WHEN h.h3 % 3 = 0 THEN (SELECT min(id) FROM campaigns_campaign) + h.h4 % 20 END,
    now() - (h.h5 % (365 * 86400)) * interval '1 second',
    CASE WHEN g > %(open)s THEN CASE WHEN g % 3 = 0 THEN 'won' ELSE 'lost' END
      ELSE (ARRAY['new','contacted','qualified','proposal'])[1 + h.h6 % 4] END,
    (SELECT min(id) FROM accounts_user WHERE role = 'sales_rep') + g % 20,
    'l' || g || '@example.com', 'PT Usaha ' || (h.h4 % 5000),
    1000000 + (h.h7 % 1000) * 100000,
    CASE WHEN g > %(open)s AND g % 3 <> 0
      THEN (ARRAY['price','competitor','budget'])[1 + h.h1 % 3] ELSE '' END,
    NULL, NULL, CASE WHEN h.h2 % 10 = 0 THEN 'IT' ELSE 'ID' END, '', now(),
    'Generated for the benchmark'
FROM generate_series(1, %(total)s) g,
    LATERAL (SELECT hashint8(g) & 2147483647 AS h1, hashint8(g + 1000003) & 2147483647 AS h2,
        hashint8(g + 2000003) & 2147483647 AS h3, hashint8(g + 3000017) & 2147483647 AS h4,
        hashint8(g + 4000037) & 2147483647 AS h5, hashint8(g + 5000011) & 2147483647 AS h6,
        hashint8(g + 6000047) & 2147483647 AS h7) h;
INSERT INTO leads_leadstagechange (lead_id, from_stage, to_stage, lost_reason, changed_at,
    user_id)
SELECT l.id, s.path[i],
    CASE WHEN l.stage = 'lost' AND i = s.k THEN 'lost' ELSE s.path[i + 1] END,
    CASE WHEN l.stage = 'lost' AND i = s.k THEN l.lost_reason ELSE '' END,
    l.created_at + i * (now() - l.created_at) / (s.k + 1), l.owner_id
FROM leads_lead l,
    LATERAL (SELECT ARRAY['new','contacted','qualified','proposal','won'] AS path,
        CASE l.stage WHEN 'new' THEN 0 WHEN 'contacted' THEN 1 WHEN 'qualified' THEN 2
          WHEN 'proposal' THEN 3 WHEN 'won' THEN 4
          ELSE 1 + (hashint8(l.id) & 2147483647) % 4 END AS k) s,
    generate_series(1, s.k) i;
INSERT INTO engagement_interaction (custom_fields, updated_at, customer_id, lead_id, kind,
    occurred_at, channel, user_id, note, due_at, done, outcome, natural_key)
SELECT '{}', now(), NULL, l.id, 'call', l.created_at + (now() - l.created_at) / 2, '',
    l.owner_id, 'First call', NULL, true, 'Interested', '|' || l.external_id || '|call'
FROM leads_lead l;
INSERT INTO engagement_interaction (custom_fields, updated_at, customer_id, lead_id, kind,
    occurred_at, channel, user_id, note, due_at, done, outcome, natural_key)
SELECT '{}', now(), NULL, l.id, (ARRAY['task','call','meeting','email'])[1 + h.h % 4],
    now() - h.d * interval '1 day', '', l.owner_id, 'Follow up',
    CASE WHEN h.h % 10 < 3 THEN now() - (1 + h.d) * interval '1 day'
      ELSE now() + (1 + h.d) * interval '1 day' END, false, '',
    '|' || l.external_id || '|planned'
FROM leads_lead l,
    LATERAL (SELECT hashint8(l.id + 8000009) & 2147483647 AS h,
        (hashint8(l.id + 9000011) & 2147483647) % 30 AS d) h
WHERE l.stage IN ('new', 'contacted', 'qualified', 'proposal');
INSERT INTO insights_leadscore (lead_id, model_id, run_id, as_of, win_probability, basis,
    factors, scored_at, realtime)
SELECT l.id, NULL, (SELECT max(id) FROM insights_scoringrun), current_date,
    ((hashint8(l.id + 1100009) & 2147483647) % 1000) / 1000.0, 'prior',
    jsonb_build_array(jsonb_build_object('name', 'source', 'value', l.source,
      'points', 0.12, 'logit', 0.5)), now(), false
FROM leads_lead l
WHERE l.stage IN ('new', 'contacted', 'qualified', 'proposal');
UPDATE insights_leadscore s SET owner_id = l.owner_id, expected_value = l.expected_value
FROM leads_lead l WHERE l.id = s.lead_id;
VACUUM ANALYZE
"""


def leads_build(db_url: str, n_open: int) -> bool:
    """Generate the leads once: nothing to do (False) when the database already has some."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        if conn.execute("SELECT EXISTS (SELECT 1 FROM leads_lead)").fetchone()[0]:
            return False
        sql = (
            GENERATE_LEADS.replace("%(open)s", str(n_open))
            .replace("%(total)s", str(n_open + n_open // 10))
            .replace("%%", "%")
        )
        for statement in sql.split(";\n"):
            if statement.strip():
                conn.execute(statement)
    return True


def lead_pages(db_url: str) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The pages timed as a manager and as a sales rep (`rep1`), by row name."""
    with psycopg.connect(db_url) as conn:
        rep_ids = [row[0] for row in conn.execute(
            "SELECT id FROM accounts_user WHERE role = 'sales_rep' ORDER BY id"
        )]
    reps = rep_ids[:3]
    manager = {
        "leads: kanban, manager": ["/leads/"],
        "leads: list, manager": ["/leads/list/"],
        "leads: list, owner + overdue, manager": [
            f"/leads/list/?owner={rep}&overdue=1" for rep in reps
        ],
        "today, manager (a rep's worklist)": [f"/today/?rep={rep}" for rep in reps],
    }
    rep = {
        "leads: kanban, sales rep": ["/leads/"],
        "leads: list, sales rep": ["/leads/list/"],
        "leads: list, overdue, sales rep": ["/leads/list/?overdue=1"],
        "today, sales rep": ["/today/"],
    }
    return manager, rep
