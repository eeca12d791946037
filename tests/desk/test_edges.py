"""Edges: each poll records the revision the edge has applied, and when."""

from __future__ import annotations

import time

from stockade.desk.edges import list_edges, record_poll
from stockade.store import Database


def test_polls_insert_then_refresh_an_edge(database: Database) -> None:
    with database.write() as session:
        record_poll(session, name="paris-1", revision=3, address="10.0.0.1")
    time.sleep(0.01)
    with database.write() as session:
        record_poll(session, name="paris-1", revision=5, address="10.0.0.2")
        record_poll(session, name="berlin-1", revision=5, address="10.0.1.1")
    with database.read() as session:
        edges = list_edges(session)
        assert [(e.name, e.revision, e.address) for e in edges] == [
            ("berlin-1", 5, "10.0.1.1"),
            ("paris-1", 5, "10.0.0.2"),
        ]
        paris = edges[1]
        assert paris.last_seen > paris.first_seen


def test_overlong_names_are_cut_rather_than_refused(database: Database) -> None:
    with database.write() as session:
        record_poll(session, name="e" * 500, revision=1, address="1" * 100)
    with database.read() as session:
        (edge,) = list_edges(session)
        assert (len(edge.name), len(edge.address)) == (200, 64)
