"""How long a real browser takes to pass the proof-of-work challenge, by difficulty.

Starts the demo origin and one edge whose zone is under attack, then for each difficulty
(a config reload apart) opens the site in Debian's Chromium, driven by Playwright, in a
fresh browser context each time, and times from the first request to the site's page,
the challenge page, its script and the redirect included. Prints the median and the
slowest of RUNS visits per difficulty. The work doubles with each bit, and a visitor's
time varies with luck: the number of tries is geometric.

    python bench/challenge_browser.py [--difficulties 12 16 18 20] [--runs 9]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import time
from pathlib import Path

from harness import (
    STOCKADE,
    Processes,
    free_port,
    machine_description,
    stockade_version,
    temporary_directory,
    wait_for_port,
)
from playwright.sync_api import sync_playwright
from propagation import start_origin

HOST = "forum.test"


def config(edge_port: int, origin_port: int, difficulty: int, key: Path) -> str:
    return (
        f'[edge]\nlisten = ["127.0.0.1:{edge_port}"]\nchallenge_key_file = "{key}"\n\n'
        f'[[zones]]\nname = "forum"\nhostnames = ["{HOST}"]\n'
        f'origins = ["http://127.0.0.1:{origin_port}"]\nsecurity_level = "under_attack"\n'
        f"challenge_difficulty = {difficulty}\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--difficulties", type=int, nargs="+", default=[12, 16, 18, 20])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    origin_port = start_origin()
    edge_port = free_port()
    print(machine_description())
    print(f"{stockade_version()}, {chromium}")
    print("| difficulty (bits) | median | slowest |")
    print("|---:|---:|---:|")
    with temporary_directory("stockade-challenge-") as directory, Processes() as processes:
        config_path = directory / "edge.toml"
        key = directory / "challenge.key"
        config_path.write_text(config(edge_port, origin_port, args.difficulties[0], key))
        edge = processes.start(
            [STOCKADE, "edge", "--config", str(config_path)], directory / "edge.log", directory
        )
        wait_for_port(edge_port)
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            for difficulty in args.difficulties:
                config_path.write_text(config(edge_port, origin_port, difficulty, key))
                os.kill(edge.pid, signal.SIGHUP)
                time.sleep(1.0)
                seconds = []
                for _ in range(args.runs):
                    context = browser.new_context(proxy={"server": f"http://127.0.0.1:{edge_port}"})
                    page = context.new_page()
                    started = time.perf_counter()
                    page.goto(f"http://{HOST}/")
                    page.wait_for_url(f"http://{HOST}/", wait_until="load")
                    page.wait_for_function("!document.getElementById('stockade-challenge')")
                    seconds.append(time.perf_counter() - started)
                    context.close()
                print(
                    f"| {difficulty} | {statistics.median(seconds):.2f} s | {max(seconds):.2f} s |"
                )
            browser.close()


if __name__ == "__main__":
    main()
