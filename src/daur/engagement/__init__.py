"""Engagement: interactions with customers and leads (visits, inquiries, calls, events...)."""
