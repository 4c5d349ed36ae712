"""Reporting posts, and administrators resolving reports and deleting posts (moderation),
all of it on the audit log."""

from typing import Any

from httpx import AsyncClient

from tests.helpers.api import Api, MakePerson, Person, audit_entries, refused


async def _report(client: AsyncClient, who: Person, tweet_id: int, reason: Any = "Spam") -> Any:
    return await client.post(
        f"/api/tweets/{tweet_id}/report", headers=who.headers, json={"reason": reason}
    )


async def _reports(client: AsyncClient, admin: Person, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/admin/reports", headers=admin.headers, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_report_reaches_the_administrators_once(
    client: AsyncClient, api: Api, make_person: MakePerson
) -> None:
    root, ann, bob = (
        await make_person("Root", admin=True),
        await make_person("Ann"),
        await make_person("Bob"),
    )
    tweet = await api.tweet(ann, "Buy cheap watches")
    first = await _report(client, bob, tweet, "  Spam, again  ")
    assert first.status_code == 201, first.text
    again = await _report(client, bob, tweet, "Still spam")
    assert again.status_code == 200
    assert again.json()["report_id"] == first.json()["report_id"]
    body = await _reports(client, root)
    assert body["open_count"] == 1
    [report] = body["reports"]
    assert report["reason"] == "Spam, again"
    assert report["reporter"] == {"id": bob.id, "name": "Bob", "handle": "bob"}
    assert report["tweet"]["id"] == tweet
    assert report["tweet"]["content"] == "Buy cheap watches"
    assert report["resolved_at"] is None
    assert (await _reports(client, root, status="resolved"))["reports"] == []


async def test_bad_reports_are_refused(
    client: AsyncClient, api: Api, make_person: MakePerson
) -> None:
    root, ann = await make_person("Root", admin=True), await make_person("Ann")
    tweet = await api.tweet(ann)
    refused(await _report(client, ann, tweet), 422)  # one's own
    refused(await _report(client, root, tweet, ""), 422)
    refused(await _report(client, root, tweet, "x" * 501), 422)
    refused(await _report(client, root, tweet, "a\x00b"), 422)
    refused(await _report(client, root, 999), 404)
    refused(await _reports_raw(client, ann), 403, "Forbidden")
    assert (await _reports(client, root))["open_count"] == 0


async def _reports_raw(client: AsyncClient, who: Person) -> Any:
    return await client.get("/api/admin/reports", headers=who.headers)


async def test_resolving_with_deletion_removes_the_post_and_keeps_the_record(
    client: AsyncClient, api: Api, make_person: MakePerson
) -> None:
    root, ann, bob, cid = (
        await make_person("Root", admin=True),
        await make_person("Ann"),
        await make_person("Bob"),
        await make_person("Cid"),
    )
    media = await api.upload(ann)
    tweet = await api.tweet(ann, "Something awful", [media])
    report_id = (await _report(client, bob, tweet)).json()["report_id"]
    other = (await _report(client, cid, tweet, "Offensive")).json()["report_id"]
    resolve = await client.post(
        f"/api/admin/reports/{report_id}/resolve",
        headers=root.headers,
        json={"resolution": "Removed, talked to Ann", "delete_tweet": True},
    )
    assert resolve.status_code == 200, resolve.text
    refused(await client.get(f"/api/tweets/{tweet}", headers=bob.headers), 404)
    resolved = await _reports(client, root, status="resolved")
    assert resolved["open_count"] == 0
    by_id = {r["id"]: r for r in resolved["reports"]}
    assert by_id[report_id]["resolution"] == "Removed, talked to Ann"
    assert by_id[report_id]["tweet"] is None
    assert by_id[report_id]["resolved_by"]["id"] == root.id
    assert by_id[other]["resolution"] == "The post was deleted"
    entries = await audit_entries(client, root)
    assert [e["action"] for e in entries] == ["resolve_report", "delete_post"]
    assert entries[1]["changes"]["content"] == ["Something awful", None]
    assert entries[1]["changes"]["author_id"] == [ann.id, None]
    assert entries[0]["changes"]["tweet_deleted"] == [False, True]
    again = await client.post(
        f"/api/admin/reports/{report_id}/resolve", headers=root.headers, json={}
    )
    refused(again, 409, "Conflict")
    refused(await client.post("/api/admin/reports/999/resolve", headers=root.headers, json={}), 404)


async def test_resolving_without_deletion_keeps_the_post(
    client: AsyncClient, api: Api, make_person: MakePerson
) -> None:
    root, ann, bob = (
        await make_person("Root", admin=True),
        await make_person("Ann"),
        await make_person("Bob"),
    )
    tweet = await api.tweet(ann, "Fine really")
    report_id = (await _report(client, bob, tweet)).json()["report_id"]
    refused(
        await client.post(f"/api/admin/reports/{report_id}/resolve", headers=bob.headers, json={}),
        403,
    )
    ok = await client.post(f"/api/admin/reports/{report_id}/resolve", headers=root.headers, json={})
    assert ok.status_code == 200
    assert (await api.one_tweet(bob, tweet))["content"] == "Fine really"
    # Resolved, Bob may report it again.
    assert (await _report(client, bob, tweet)).status_code == 201


async def test_an_administrator_deletes_anyones_post_on_record(
    client: AsyncClient, api: Api, make_person: MakePerson
) -> None:
    root, ann, bob = (
        await make_person("Root", admin=True),
        await make_person("Ann"),
        await make_person("Bob"),
    )
    tweet = await api.tweet(ann, "Off-topic")
    refused(await client.delete(f"/api/tweets/{tweet}", headers=bob.headers), 403, "Forbidden")
    assert (await api.one_tweet(bob, tweet))["id"] == tweet
    assert (await client.delete(f"/api/tweets/{tweet}", headers=root.headers)).status_code == 200
    refused(await client.get(f"/api/tweets/{tweet}", headers=bob.headers), 404)
    [entry] = await audit_entries(client, root)
    assert (entry["action"], entry["target_type"], entry["target_id"]) == (
        "delete_post",
        "post",
        tweet,
    )
    # An administrator's own post is just deleted, not on record.
    own = await api.tweet(root)
    await api.delete_tweet(root, own)
    assert len(await audit_entries(client, root)) == 1
