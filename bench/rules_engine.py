"""The firewall rules engine: how long rules take to compile, and to run on a request.

(a) compiles 1,000 varied, realistic rules (paths, user agents, methods, countries,
ASNs, CIDR sets, headers, regexes, wildcards, functions, any/all over headers) down to
their Python functions and prints the median total time over rounds; goal <= 1 s.

(b) runs 100 such rules on one typical request, building its values object each time,
and prints the median time per request in µs over rounds; goal <= 50. Twice: each rule
alone (`Filter.matches`, one call per rule), and the 100 together as the edge runs a
zone's rules (one `FilterList`, whose function reads a value several rules use once).

Times are the CPU time of this process (time.process_time), not the wall clock: on a
shared machine, time spent waiting for a CPU that another process holds is not the rules
engine's cost, and it would move the figures from run to run.

    .venv/bin/python bench/rules_engine.py [--rounds 7] [--requests 5000]
    .venv/bin/python bench/rules_engine.py --profile       # where (b)'s time goes, alone
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import statistics
import time

from stockade.rules import FilterList, NamedLists, RequestValues, compile

PATHS = [
    "/wp-login.php",
    "/xmlrpc.php",
    "/admin",
    "/.env",
    "/api/v1/login",
    "/cgi-bin/",
    "/phpmyadmin",
]
AGENTS = ["sqlmap", "nikto", "curl", "python-requests", "masscan", "zgrab", "Go-http-client"]
COUNTRIES = ["CN", "RU", "KP", "IR", "BR", "US", "FR", "DE", "VN", "IN"]
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]
TEMPLATES = [
    'http.request.uri.path contains "{path}"',
    'http.request.uri.path eq "{path}" and http.request.method eq "POST"',
    'lower(http.user_agent) contains "{agent}"',
    'http.user_agent matches r"(?i){agent}/[0-9.]+"',
    "ip.src.country in {{{countries}}}",
    'ip.src.country in {{{countries}}} and not http.request.uri.path contains "/api/"',
    "ip.src in {{{networks}}}",
    'not ip.src in {{{networks}}} and http.request.uri.path wildcard "{path}*"',
    "ip.src.asnum in {{{asns}}}",
    "http.request.method in {{{methods}}}",
    'http.host wildcard "*.{label}.example" and not ssl',
    'starts_with(http.request.uri.path, "{path}") or ends_with(http.request.uri.path, ".{extension}")',
    'any(http.request.headers["{header}"][*] contains "{agent}")',
    "len(http.request.uri.query) gt {size} or http.request.body.size gt {body}",
    'url_decode(http.request.uri.query) matches r"(?i)(union\\s+select|<script|\\.\\./)"',
    'http.request.headers["x-forwarded-for"][0] ne "" and ip.src in $trusted',
    'http.cookie contains "{label}=" xor http.referer contains "{label}"',
    'http.request.uri strict wildcard "{path}/*/{label}"',
    '(http.request.method eq "POST" and http.request.body.size gt {body}) or ip.src.asnum eq {asn}',
    'all(http.request.headers["accept"][*] ne "{label}") and http.request.version eq "HTTP/1.0"',
]


def realistic_rules(count: int, seed: int = 7) -> list[str]:
    """`count` rules from the templates above with random values, the same every run."""
    chooser = random.Random(seed)
    rules = []
    for index in range(count):
        template = TEMPLATES[index % len(TEMPLATES)]
        networks = (
            " ".join(
                f"{chooser.randrange(1, 224)}.{chooser.randrange(256)}.0.0/{chooser.choice([16, 20, 24])}"
                for _ in range(chooser.randrange(1, 8))
            )
            + f" 2001:db8:{chooser.randrange(65536):x}::/48"
        )
        rules.append(
            template.format(
                path=chooser.choice(PATHS),
                agent=chooser.choice(AGENTS),
                countries=" ".join(f'"{country}"' for country in chooser.sample(COUNTRIES, 3)),
                networks=networks,
                asns=" ".join(str(chooser.randrange(1, 400_000)) for _ in range(5)),
                asn=chooser.randrange(1, 400_000),
                methods=" ".join(f'"{method}"' for method in chooser.sample(METHODS, 2)),
                label=f"site{chooser.randrange(1000)}",
                extension=chooser.choice(["php", "asp", "cgi", "sql", "bak"]),
                header=chooser.choice(["user-agent", "x-requested-with", "accept"]),
                size=chooser.randrange(256, 4096),
                body=chooser.randrange(10_000, 10_000_000),
            )
        )
    return rules


LISTS = {"trusted": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]}
HEADERS = [
    (b"Host", b"forum.example"),
    (
        b"User-Agent",
        b"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
    ),
    (b"Accept", b"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    (b"Accept-Language", b"fr,en-US;q=0.7,en;q=0.3"),
    (b"Accept-Encoding", b"gzip, deflate, br"),
    (b"Referer", b"https://forum.example/threads/12"),
    (b"Cookie", b"session=4f2a9c; theme=dark"),
    (b"Connection", b"keep-alive"),
]


def typical_request() -> RequestValues:
    return RequestValues(
        method="GET",
        host="forum.example",
        path="/threads/12/page/3",
        query="sort=new&q=hello%20world",
        version="HTTP/1.1",
        raw_headers=HEADERS,
        ip="203.0.113.45",
        country="FR",
        asn=3215,
        tls=True,
        body_size=0,
    )


def time_compile(rules: list[str]) -> float:
    lists = NamedLists(LISTS)
    started = time.process_time()
    for rule in rules:
        compile(rule, lists=lists).matches  # noqa: B018 - the function is made when asked for
    return time.process_time() - started


def time_evaluate(rules: list[str], requests: int) -> tuple[float, int]:
    """µs per request to build the values and run every rule alone; how many matched."""
    lists = NamedLists(LISTS)
    predicates = [compile(rule, lists=lists).matches for rule in rules]
    matched = sum(predicate(typical_request()) for predicate in predicates)
    started = time.process_time()
    for _ in range(requests):
        values = typical_request()
        for predicate in predicates:
            predicate(values)
    return (time.process_time() - started) / requests * 1e6, matched


def time_zone(rules: list[str], requests: int) -> tuple[float, int]:
    """The same with the rules as one FilterList, every match taken as the edge would."""
    lists = NamedLists(LISTS)
    matching = FilterList([compile(rule, lists=lists) for rule in rules]).matching
    matched = len(list(matching(typical_request())))
    started = time.process_time()
    for _ in range(requests):
        for _index in matching(typical_request()):
            pass
    return (time.process_time() - started) / requests * 1e6, matched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=5000, help="requests per round of (b)")
    parser.add_argument("--profile", action="store_true", help="print where (b)'s time goes")
    options = parser.parse_args()
    thousand = realistic_rules(1000)
    hundred = realistic_rules(100, seed=11)
    if options.profile:
        profile = cProfile.Profile()
        profile.runcall(time_evaluate, hundred, options.requests)
        pstats.Stats(profile).sort_stats("tottime").print_stats(20)
        return
    time_evaluate(hundred, options.requests // 10)  # warm-up
    time_zone(hundred, options.requests // 10)
    compile_times = [time_compile(thousand) for _ in range(options.rounds)]
    alone = [time_evaluate(hundred, options.requests) for _ in range(options.rounds)]
    zone = [time_zone(hundred, options.requests) for _ in range(options.rounds)]
    compiled = statistics.median(compile_times)
    print("compile 1,000 rules, s:      " + " ".join(f"{seconds:.3f}" for seconds in compile_times))
    print("100 rules alone, µs:         " + " ".join(f"{us:.1f}" for us, _ in alone))
    print("100 rules as a zone, µs:     " + " ".join(f"{us:.1f}" for us, _ in zone))
    print(f"| measure | median of {options.rounds} rounds | goal | met |")
    print("|---|---:|---|---|")
    print(
        f"| compile 1,000 rules | {compiled:.3f} s | <= 1 s | {'yes' if compiled <= 1 else '**no**'} |"
    )
    for how, runs in (("each alone", alone), ("as one zone (FilterList)", zone)):
        evaluated = statistics.median(us for us, _ in runs)
        print(
            f"| run 100 rules on one request, {how} ({runs[0][1]} match) | {evaluated:.1f} µs "
            f"| <= 50 µs | {'yes' if evaluated <= 50 else '**no**'} |"
        )


if __name__ == "__main__":
    main()
