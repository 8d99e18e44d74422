"""Named writes that touch several apps (Zulip's ``do_*`` shape).

Each action is atomic and schedules the re-score of the customers it changed with ``on_commit``.
Pages, the API, the command line, the import and jobs call these; domain apps never import
``daur.insights``.
"""
