"""Campaigns: acquisition and retention efforts with their channel, cost and period."""
