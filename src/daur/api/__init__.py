"""The REST API under /api/v1/ (SPEC §7): thin routers, one module per resource, over the same
selectors, actions and import validation the pages and the command line use."""
