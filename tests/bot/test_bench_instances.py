"""Quick checks of bench/_instances.py's own parts: the balancer's choice of an instance and
the figures read from the fake Bot API's records. The instances themselves run in
tests/bot/runtime/test_instances.py."""

from __future__ import annotations

from bench._instances import Balancer, duplicates, max_in_window, send_times


def test_balancer_modes_route_a_readers_updates_as_asked():
    balancer = Balancer(2)
    balancer.pins[7] = 1
    chosen = {}
    for mode in ("round_robin", "alternate", "sticky"):
        balancer.mode = mode
        chosen[mode] = [balancer.choose(reader) for reader in (10, 10, 11, 10, 7, 7)]

    assert chosen == {
        "round_robin": [1, 0, 1, 0, 1, 1],
        "alternate": [1, 0, 0, 1, 1, 1],
        "sticky": [0, 0, 1, 0, 1, 1],
    }


def test_max_in_window_counts_the_busiest_second():
    times = [0.0, 0.5, 0.99, 1.0, 1.2, 1.3, 1.4, 3.0]

    assert (max_in_window(times), max_in_window([]), max_in_window(times, 0.25)) == (6, 0, 3)


def test_records_give_send_times_and_duplicates():
    records = {
        "sends": [[1.5, "delivered", 5, "kopir-0", 1.0], [1.6, "rejected", 6, "kopir-1", 1.1],
                  [1.7, "delivered", 6, "kopir-1", 1.2], [1.8, "delivered", 6, "kopir-0", 1.3]],
        "chats": {"5": 1, "6": 2},
    }

    assert send_times(records) == [1.0, 1.1, 1.2, 1.3]
    assert send_times(records, chats={6}, refused_too=False) == [1.2, 1.3]
    assert duplicates(records, [5, 6, 7]) == 1
