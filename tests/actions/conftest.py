"""A failure the actions' tests raise on purpose."""

from __future__ import annotations


class Boom(Exception):
    pass
