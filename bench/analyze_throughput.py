"""How many short posts `stockade analyze` scores per second on one core: JSON lines in,
JSON lines out, as the command does, without the pipe. The posts are the project's
labelled examples (src/stockade/watch/data/examples.csv: threats, doxxing, hard negatives,
evasions; 20 to 160 characters), repeated to --posts, with the shipped model, loaded
once before timing. The process is pinned to one CPU. Prints each round and the median.

    .venv/bin/python bench/analyze_throughput.py [--posts 20000] [--rounds 5]
    .venv/bin/python bench/analyze_throughput.py --profile      # where the time goes
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import time

import msgspec

from stockade.watch.analyze import Analyzer
from stockade.watch.corpus import DEFAULT_OUT
from stockade.watch.dataset import read
from stockade.watch.model import default_model

GOAL = 1000  # posts per second on one core


def lines(count: int) -> list[bytes]:
    texts = [example.text for example in read(DEFAULT_OUT)]
    return [
        msgspec.json.encode({"id": index, "text": texts[index % len(texts)]}) + b"\n"
        for index in range(count)
    ]


def run(analyzer: Analyzer, batch: list[bytes]) -> float:
    started = time.perf_counter()
    written = sum(1 for _ in analyzer.analyze_lines(batch))
    elapsed = time.perf_counter() - started
    assert written == len(batch)
    return len(batch) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    options = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    analyzer = Analyzer(default_model())
    batch = lines(options.posts)
    sizes = [len(line) for line in batch]
    print(f"{len(batch)} posts, {statistics.median(sizes)} bytes of JSON each (median), one CPU")
    run(analyzer, batch[:500])  # warm-up: caches and first allocations
    if options.profile:
        profiler = cProfile.Profile()
        profiler.runcall(run, analyzer, batch)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        return
    rates = []
    for number in range(1, options.rounds + 1):
        rate = run(analyzer, batch)
        rates.append(rate)
        print(f"round {number}: {rate:,.0f} posts/s")
    median = statistics.median(rates)
    print(f"median: {median:,.0f} posts/s ({1e6 / median:.0f} µs per post); goal >= {GOAL:,}")


if __name__ == "__main__":
    main()
