"""Leads: prospects in the pipeline, from their source channel to won or lost."""
