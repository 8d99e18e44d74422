"""Named writes that touch several apps (Zulip's ``do_*`` shape).

Each action is atomic and schedules the re-score of the customers it changed with ``on_commit``
(daur.insights.realtime): none for a write that is rolled back. The command line, the demo, the
jobs, and the pages and the API as they come to write, call these; domain apps never import
``daur.insights``.
"""
