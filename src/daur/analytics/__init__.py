"""Pure analytics: summaries, RFM, BTYD models, CLV and the customer rules. No Django, ever."""
