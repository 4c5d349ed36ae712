"""Hashtags: the rule, the tweet shape, a tag's posts and what is trending."""

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.hashtags import hashtags_in
from app.handlers.hashtags.actions import TRENDING
from tests.helpers.api import Api, MakePerson, refused
from tests.helpers.app import backdate


@pytest.mark.parametrize(
    ("content", "tags"),
    [
        ("#Release and #релиз, #q4_plan!", ["release", "релиз", "q4_plan"]),
        ("#release #Release #RELEASE", ["release"]),
        ("second #b then #a then #b", ["b", "a"]),
        ("a#b https://x.test/#top https://x.test/page#frag &#39; ##x @#y", []),
        ("#1 #2024 but #1st and #_x", ["1st", "_x"]),
        ("(#скобки) «#кавычки» #日本語 #café", ["скобки", "кавычки", "日本語", "café"]),
        ("#" + "a" * 50 + " #" + "b" * 51, ["a" * 50]),
        ("\u200f#rtl \u200b#zw", ["rtl", "zw"]),
    ],
)
def test_what_is_a_hashtag(content: str, tags: list[str]) -> None:
    assert hashtags_in(content) == tags


async def test_every_tweet_shape_gives_its_hashtags_and_a_tag_lists_its_posts_newest_first(
    api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    await api.follow(ann, bob)
    first = await api.tweet(bob, "Старт #Релиз #q4")
    second = await api.tweet(ann, "Second #release, again #RELEASE")
    reply = await api.reply(ann, first, "A reply #релиз")
    await api.tweet(ann, "Untagged release")
    shown = {t["id"]: t["hashtags"] for t in await api.feed(ann)}
    assert shown[first] == ["релиз", "q4"]
    assert shown[second] == ["release"]
    assert (await api.one_tweet(ann, reply))["hashtags"] == ["релиз"]
    assert (await api.thread(ann, reply))["ancestors"][0]["hashtags"] == ["релиз", "q4"]
    assert [t["id"] for t in await api.tagged(ann, "РЕЛИЗ")] == [reply, first]
    assert [t["id"] for t in await api.tagged(ann, "release")] == [second]
    assert [t["id"] for t in await api.tagged(ann, "релиз", offset=1, limit=1)] == [first]
    assert await api.tagged(ann, "nothing") == []
    await api.delete_tweet(ann, reply)
    assert [t["id"] for t in await api.tagged(ann, "релиз")] == [first]
    rows = await session.execute(text("SELECT tweet_id, tag, author_id FROM tweet_hashtags"))
    assert sorted(rows.all()) == sorted(
        [(first, "релиз", bob.id), (first, "q4", bob.id), (second, "release", ann.id)]
    )


@pytest.mark.parametrize("tag", ["no-dash", "123", "a" * 51, "%25", "with space"])
async def test_a_tag_that_cannot_be_is_422(
    client: AsyncClient, make_person: MakePerson, tag: str
) -> None:
    ann = await make_person("Ann")
    response = await client.get(f"/api/hashtags/{tag}/tweets", headers=ann.headers)
    refused(response, 422, "ValidationError")


async def test_trending_counts_people_not_posts_in_the_window(
    api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann, bob, eve = [await make_person(name) for name in ("Ann", "Bob", "Eve")]
    for n in range(5):
        await api.tweet(ann, f"#spam number {n}")
    for person in (ann, bob, eve):
        await api.tweet(person, "#release today")
    await api.tweet(bob, "#lunch #Lunch")
    await api.tweet(eve, "#lunch")
    old = await api.tweet(eve, "#old #release")
    await backdate(session, old, days_ago=2)
    assert await api.trending(ann) == [
        {"tag": "release", "posts": 3, "people": 3},
        {"tag": "lunch", "posts": 2, "people": 2},
        {"tag": "spam", "posts": 5, "people": 1},
    ]
    assert await api.trending(ann, limit=1) == [{"tag": "release", "posts": 3, "people": 3}]
    week = await api.trending(ann, hours=72)
    assert week[0] == {"tag": "release", "posts": 4, "people": 3}
    assert {"tag": "old", "posts": 1, "people": 1} in week


@pytest.mark.parametrize("params", [{"hours": 0}, {"hours": 169}, {"limit": 0}, {"limit": 51}])
async def test_trending_refuses_a_window_or_limit_out_of_range(
    client: AsyncClient, make_person: MakePerson, params: dict[str, int]
) -> None:
    ann = await make_person("Ann")
    response = await client.get("/api/hashtags/trending", params=params, headers=ann.headers)
    refused(response, 422, "ValidationError")


async def test_trending_reads_the_window_from_an_index_and_never_the_posts(
    api: Api, make_person: MakePerson, session: AsyncSession
) -> None:
    ann = await make_person("Ann")
    for n in range(20):
        await api.tweet(ann, f"#tag{n % 4} post")
    await session.execute(text("SET plan_cache_mode = force_custom_plan"))
    await session.execute(text("SET enable_seqscan = off"))
    rows = await session.execute(
        text("EXPLAIN " + str(TRENDING.compile())), {"hours": 24, "limit": 10}
    )
    plan = "\n".join(row[0] for row in rows)
    await session.rollback()
    # (An index-only scan on the bench's data, whose visibility map is set.)
    assert "ix_tweet_hashtags_recent" in plan
    assert "tweets" not in plan.replace("tweet_hashtags", "")
