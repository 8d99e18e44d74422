"""Users and their roles (admin, manager, sales rep, marketer, support agent)."""
