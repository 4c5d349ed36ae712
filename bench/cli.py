"""`python -m bench seed | run | migration` (`python3 dev.py bench ...`): the
benchmark's commands (see docs/performance.md). It lives outside `app/`, so the
production image does not carry it."""

import argparse
import asyncio
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import make_url

from app.commands import run_command
from app.core.config import Settings
from bench.migration import BEFORE_SEARCH, MigrationOptions, measure
from bench.run import Options, run
from bench.seed import DataSet, seed

DATABASE = "microblog_bench"


def _parser() -> argparse.ArgumentParser:
    bench = argparse.ArgumentParser(
        prog="python -m bench", description="Benchmark: seed a data set, run the load"
    )
    actions = bench.add_subparsers(dest="bench_command", required=True)
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="a PostgreSQL server's URL with a database name containing 'bench', which "
        "seed drops and recreates (default: BENCH_DATABASE_URL, else database "
        f"{DATABASE} in the embedded server)",
    )

    reporting = argparse.ArgumentParser(add_help=False)
    reporting.add_argument(
        "--output", type=Path, default=Path("bench-results"), help="where reports go"
    )

    seed_cmd = actions.add_parser(
        "seed", parents=[where], help="recreate the bench database with generated data"
    )
    seed_cmd.add_argument("--users", type=int, default=10_000)
    seed_cmd.add_argument("--tweets", type=int, default=1_000_000)
    seed_cmd.add_argument(
        "--likes", type=int, default=5_000_000, help="likes drawn (repeats dropped)"
    )
    seed_cmd.add_argument(
        "--readers",
        type=int,
        default=90_000,
        help="more people, who only read and follow one to three of the others (for people search)",
    )
    seed_cmd.add_argument("--seed", type=int, default=1, help="same seed, same data")
    seed_cmd.set_defaults(func=_seed)

    run_cmd = actions.add_parser(
        "run",
        parents=[where, reporting],
        help="start the server on the seeded database and measure it",
    )
    run_cmd.add_argument("--workers", type=int, default=2, help="server worker processes")
    run_cmd.add_argument("--connections", type=int, default=16, help="concurrent connections")
    run_cmd.add_argument("--duration", type=float, default=5, help="seconds per round")
    run_cmd.add_argument(
        "--rounds",
        type=_at_least_one,
        default=3,
        help="rounds per scenario; the best one is reported",
    )
    run_cmd.add_argument("--warmup", type=float, default=2, help="seconds before each")
    run_cmd.add_argument(
        "--reference-tweets",
        type=int,
        default=10_000,
        help="tweets in the reference data set the feed is compared with",
    )
    run_cmd.add_argument(
        "--hot-tweet-people", type=int, default=1000, help="people liking one tweet at once"
    )
    run_cmd.add_argument(
        "--streams",
        type=int,
        default=2000,
        help="event streams held open on a one-worker server while new posts go out "
        "(0: not measured)",
    )
    run_cmd.add_argument(
        "--stream-posts", type=_at_least_one, default=5, help="posts timed to the streams"
    )
    run_cmd.add_argument(
        "--many-connections",
        type=int,
        default=256,
        help="keep-alive connections of the feed's many-clients scenario (0: not measured)",
    )
    run_cmd.add_argument(
        "--many-threads", type=_at_least_one, default=2, help="wrk threads holding them"
    )
    run_cmd.add_argument(
        "--replica",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also the feed with one streaming replica of the bench database, made for the "
        "run with pg_basebackup (a copy of its whole server) and removed after",
    )
    run_cmd.set_defaults(func=_run)

    migration_cmd = actions.add_parser(
        "migration",
        parents=[where, reporting],
        help=f"downgrade the seeded database to {BEFORE_SEARCH} and time the upgrade to head "
        "while people keep writing",
    )
    migration_cmd.add_argument("--writers", type=_at_least_one, default=4, help="concurrent")
    migration_cmd.add_argument(
        "--pause",
        type=float,
        default=0.05,
        help="seconds a writer rests after a post, a like and its unlike",
    )
    migration_cmd.set_defaults(func=_migration)
    return bench


def main(argv: list[str] | None = None) -> int:
    return run_command(_parser(), argv)


def _seed(args: argparse.Namespace, settings: Settings) -> int:
    with _database_urls(settings, args.database_url) as (url, _):
        data = DataSet(args.users, args.tweets, args.likes, args.seed, args.readers)
        asyncio.run(seed(url, data, _say))
    return 0


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if not shutil.which("wrk"):
        print("bench run needs wrk: apt-get install wrk (Debian/Ubuntu)", file=sys.stderr)
        return 1
    with _database_urls(settings, args.database_url) as (url, reference_url):
        options = Options(
            workers=args.workers,
            connections=args.connections,
            seconds=args.duration,
            rounds=args.rounds,
            warmup=args.warmup,
            reference_tweets=args.reference_tweets,
            hot_tweet_people=args.hot_tweet_people,
            output=args.output,
            likers_per_tweet=settings.likers_per_tweet,
            streams=args.streams,
            stream_posts=args.stream_posts,
            many_connections=args.many_connections,
            many_threads=args.many_threads,
            replica=args.replica,
        )
        report = run(url, reference_url, options, _say)
        path = report.write(options.output)
        print(report.as_markdown())
        print(f"Written to {path} and {path.with_suffix('.json')}")
        return 0 if all(target.met for target in report.targets()) else 3


def _migration(args: argparse.Namespace, settings: Settings) -> int:
    with _database_urls(settings, args.database_url) as (url, _):
        options = MigrationOptions(args.writers, args.pause, args.output)
        report = asyncio.run(measure(url, options, _say))
        path = report.write(options.output)
        print(report.as_markdown())
        print(f"Written to {path} and {path.with_suffix('.json')}")
        return 0 if report.met and report.seeded_search_kept else 3


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def _database_urls(settings: Settings, given: str | None) -> Iterator[tuple[str, str]]:
    """The bench database and its reference; the embedded server runs while in use."""
    if given:
        url = Settings(database_url=given, _env_file=None).database_url
        assert url is not None
        yield url, _sibling(url, "_reference")
        return
    from app.core.embedded_db import ensure_database, start_server

    server = start_server((settings.data_dir / "postgres").resolve())
    url = ensure_database(server, DATABASE)
    yield url, _sibling(url, "_reference")


def _sibling(url: str, suffix: str) -> str:
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}{suffix}").render_as_string(hide_password=False)
