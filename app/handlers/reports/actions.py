"""Reporting a post, and administrators' list and resolution of reports."""

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.core.exceptions import Conflict, NotFound, ValidationFailed
from app.core.models import Report, Tweet, User
from app.handlers.admin import audit
from app.handlers.reports.schemas import ReportOut, Status
from app.handlers.shared.db_actions import no_such_tweet
from app.handlers.shared.schemas import TweetOut, UserRef
from app.handlers.tweets import actions as tweet_actions
from app.handlers.tweets.listing import tweet_rows, tweet_views, viewing


async def report(session: AsyncSession, user: User, tweet_id: int, reason: str) -> tuple[int, bool]:
    """The caller's open report of the post: (its id, whether it is new). Reporting
    again while one is open changes nothing."""
    author_id = await session.scalar(select(Tweet.author_id).where(Tweet.id == tweet_id))
    if author_id is None:
        raise no_such_tweet(tweet_id)
    if author_id == user.id:
        raise ValidationFailed("You cannot report your own post; delete or edit it instead")
    new_id = await session.scalar(
        pg_insert(Report)
        .values(tweet_id=tweet_id, reporter_id=user.id, reason=reason)
        .on_conflict_do_nothing(
            index_elements=[Report.tweet_id, Report.reporter_id],
            index_where=Report.resolved_at.is_(None),
        )
        .returning(Report.id)
    )
    if new_id is not None:
        return new_id, True
    open_id = await session.scalar(
        select(Report.id).where(
            Report.tweet_id == tweet_id, Report.reporter_id == user.id, Report.resolved_at.is_(None)
        )
    )
    assert open_id is not None  # the conflict was with it; resolving it takes its row lock
    return open_id, False


async def listing(
    session: AsyncSession, admin: User, status: Status, offset: int, limit: int, likers: int
) -> tuple[list[ReportOut], int]:
    """A page of open (or resolved) reports, newest first, with the posts as the
    administrator would see them; and how many are open."""
    reporter, resolver = aliased(User), aliased(User)
    still_open = Report.resolved_at.is_(None)
    rows = (
        await session.execute(
            select(Report, reporter, resolver)
            .join(reporter, reporter.id == Report.reporter_id)
            .outerjoin(resolver, resolver.id == Report.resolved_by)
            .where(still_open if status == "open" else ~still_open)
            .order_by(Report.id.desc())
            .offset(offset)
            .limit(limit)
        )
    ).all()
    tweet_ids = {row[0].tweet_id for row in rows if row[0].tweet_id is not None}
    tweets = await _tweets(session, admin, tweet_ids, likers)
    open_count = await session.scalar(select(func.count()).where(still_open)) or 0
    reports = [
        ReportOut(
            id=found.id,
            reason=found.reason,
            created_at=found.created_at,
            reporter=_ref(by),
            tweet=tweets.get(found.tweet_id) if found.tweet_id is not None else None,
            resolved_at=found.resolved_at,
            resolved_by=None if resolved_by is None else _ref(resolved_by),
            resolution=found.resolution,
        )
        for found, by, resolved_by in rows
    ]
    return reports, open_count


def _ref(user: User) -> UserRef:
    return UserRef(id=user.id, name=user.name, handle=user.handle)


async def _tweets(
    session: AsyncSession, viewer: User, ids: set[int], likers: int
) -> dict[int, TweetOut]:
    if not ids:
        return {}
    rows = await session.execute(
        tweet_rows().where(Tweet.id.in_(sorted(ids))), viewing(viewer.id, likers)
    )
    return {tweet.id: tweet for tweet in tweet_views(rows)}


async def resolve(
    session: AsyncSession, admin: User, report_id: int, resolution: str, delete_tweet: bool
) -> list[str]:
    """Resolve the report, deleting its post if asked; the stored files to delete."""
    found = await session.scalar(select(Report).where(Report.id == report_id).with_for_update())
    if found is None:
        raise NotFound(f"Report {report_id} does not exist")
    if found.resolved_at is not None:
        raise Conflict(f"Report {report_id} is resolved already")
    tweet_id = found.tweet_id
    await session.execute(
        update(Report)
        .where(Report.id == report_id)
        .values(resolved_at=func.now(), resolved_by=admin.id, resolution=resolution or None)
    )
    changes: audit.Changes = {"resolution": [None, resolution or None]}
    stored_files: list[str] = []
    if delete_tweet and tweet_id is not None:
        stored_files = await tweet_actions.delete_tweet(session, admin, tweet_id)
        changes["tweet_deleted"] = [False, True]
    await audit.record(session, admin, "resolve_report", "report", report_id, changes)
    return stored_files
