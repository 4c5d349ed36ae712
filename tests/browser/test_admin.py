"""The administration area of the web app (/admin) in Chromium, against the real
service: an administrator adds a person and sees their key once (and copies it),
gives them a new key, changes them, deactivates and reactivates them, and finds it
all in the audit log; a plain person sees no way in; a reported post reaches the
administrators, who resolve the report and delete the post. Every key sentence in
English and in Russian."""

import re
from dataclasses import dataclass

import pytest
from playwright.async_api import Locator, Page, expect

from tests.browser.harness import BrowserErrors, LiveService, NewPage, shot, sign_in, tweet
from tests.browser.language import LOCALES, assert_speaks, tr

# Everyone's names and what they type, in this module's tests: the people list and
# the audit log show all of them. "Administrator" is the name `serve` gives its first.
TYPED = ["Administrator"]


@dataclass(frozen=True)
class Cast:
    admin: str
    newcomer: str
    handle: str
    email: str
    renamed: str
    new_email: str


CASTS = {
    "en-US": Cast(
        "Ada Admin",
        "Pat Newcomer",
        "pat.new",
        "pat@example.com",
        "Pat Renamed",
        "pat.r@example.com",
    ),
    "ru-RU": Cast(
        "Ада Админова",
        "Пётр Новиков",
        "petr.new",
        "petr@example.com",
        "Пётр Иванов",
        "petr.i@example.com",
    ),
}
for cast in CASTS.values():
    TYPED += [cast.admin, cast.newcomer, cast.handle, cast.email, cast.renamed, cast.new_email]
TYPED += [
    "Rita Spammer",
    "Sam Reader",
    "Buy cheap watches at my shop",
    "Selling watches here",
    "Spam, not about work",
    "Removed as spam",
]


def row(page: Page, name: str) -> Locator:
    return page.locator("li.admin-person", has_text=name)


async def key_shown_once(page: Page, live_service: LiveService, name: str) -> str:
    """The key in the dialog that just opened: it works, is copied, and is gone once
    the dialog is closed."""
    dialog = page.locator("dialog.key-dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog.locator(".key-warning")).to_have_text(
        await tr(page, "key.warning", name=name)
    )
    key = await dialog.locator("[data-role=new-key]").input_value()
    me = live_service.api("GET", "/api/users/me", key=key)
    assert me.status_code == 200, me.text
    assert me.json()["user"]["name"] == name
    await dialog.get_by_role("button", name=await tr(page, "key.copy")).click()
    return key


async def close_key(page: Page, key: str) -> None:
    dialog = page.locator("dialog.key-dialog")
    await dialog.get_by_role("button", name=await tr(page, "key.done")).click()
    await expect(dialog).to_have_count(0)
    assert key not in await page.content()


async def confirm(page: Page) -> None:
    await page.locator("dialog.confirm [data-action=confirm]").click()


@pytest.mark.parametrize("locale", list(LOCALES))
async def test_an_administrator_adds_changes_deactivates_and_reactivates_a_person(
    new_page: NewPage, live_service: LiveService, browser_errors: BrowserErrors, locale: str
) -> None:
    cast = CASTS[locale]
    language = LOCALES[locale]
    admin = live_service.create_person(cast.admin, admin=True)
    if language == "en":
        # The key goes to the clipboard.
        page = await new_page(permissions=["clipboard-read", "clipboard-write"])
    else:
        # No clipboard for the page: the key is selected instead, for the keyboard.
        page = await new_page()
        await page.add_init_script(
            "navigator.clipboard.writeText = () =>"
            " Promise.reject(new DOMException('no', 'NotAllowedError'));"
        )
    await sign_in(page, admin)
    await page.locator("[data-nav=admin]").click()
    await expect(page).to_have_url(re.compile(r"/admin$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text(await tr(page, "admin.title"))
    await expect(row(page, cast.admin)).to_be_visible()

    # Add a person: the form says what is missing, in the page's language.
    await page.locator("[data-action=add-person]").click()
    form = page.locator("dialog.person-dialog")
    await form.locator("[data-action=save-person]").click()
    await expect(form.locator("[data-role=person-error]")).to_have_text(
        await tr(page, "person.nameEmpty")
    )
    await form.get_by_label(await tr(page, "person.name")).fill(cast.newcomer)
    await form.get_by_label(await tr(page, "person.handleOptional")).fill("X")
    await form.locator("[data-action=save-person]").click()
    await expect(form.locator("[data-role=person-error]")).to_have_text(
        await tr(page, "person.handleInvalid")
    )
    await form.get_by_label(await tr(page, "person.handleOptional")).fill(cast.handle)
    await form.get_by_label(await tr(page, "person.emailOptional")).fill(cast.email)
    await assert_speaks(page, language, typed=TYPED)
    await form.locator("[data-action=save-person]").click()

    key = await key_shown_once(page, live_service, cast.newcomer)
    field = page.locator("dialog.key-dialog [data-role=new-key]")
    status = page.locator("dialog.key-dialog [data-role=copy-status]")
    if language == "en":
        await expect(status).to_have_text(await tr(page, "key.copied"))
        assert await page.evaluate("navigator.clipboard.readText()") == key
    else:
        await expect(status).to_have_text(await tr(page, "key.selected"))
        await expect(field).to_be_focused()
        selected = await field.evaluate("f => f.value.slice(f.selectionStart, f.selectionEnd)")
        assert selected == key
    await assert_speaks(page, language, typed=TYPED)
    await shot(page, f"admin-key-{language}")
    await close_key(page, key)

    person = row(page, cast.newcomer)
    await expect(person).to_contain_text(f"@{cast.handle}")
    await expect(person).to_contain_text(cast.email)
    newcomer_id = int(await person.get_attribute("data-person-id") or 0)

    # A new key: asked first; the old key stops at once, the new one works.
    await person.locator("[data-action=new-key]").click()
    await expect(page.locator("dialog.confirm h2")).to_have_text(
        await tr(page, "person.rotateTitle", name=cast.newcomer)
    )
    await confirm(page)
    new_key = await key_shown_once(page, live_service, cast.newcomer)
    assert new_key != key
    assert live_service.api("GET", "/api/users/me", key=key).status_code == 401
    await close_key(page, new_key)

    # Changes; a handle someone else has is refused in the page's language.
    admin_handle = live_service.handle(admin)
    browser_errors.allow(r"status of 409 \(Conflict\)")  # the refusal, as Chromium logs it
    await person.locator("[data-action=edit-person]").click()
    await form.get_by_label(await tr(page, "person.handle"), exact=True).fill(admin_handle)
    await form.locator("[data-action=save-person]").click()
    await expect(form.locator("[data-role=person-error]")).to_have_text(
        await tr(page, "person.handleTaken", handle=admin_handle)
    )
    await form.get_by_label(await tr(page, "person.handle"), exact=True).fill(cast.handle)
    await form.get_by_label(await tr(page, "person.name")).fill(cast.renamed)
    await form.get_by_label(await tr(page, "person.emailOptional")).fill(cast.new_email)
    await form.locator("[data-action=save-person]").click()
    await expect(form).to_have_count(0)
    person = row(page, cast.renamed)
    await expect(person).to_contain_text(cast.new_email)
    profile = live_service.api(
        "GET", f"/api/users/{newcomer_id}", key=live_service.admin_key
    ).json()["user"]
    assert (profile["name"], profile["email"], profile["is_admin"]) == (
        cast.renamed,
        cast.new_email,
        False,
    )

    # Deactivated: their key fails; reactivated: it works again.
    await person.locator("[data-action=deactivate]").click()
    await expect(page.locator("dialog.confirm h2")).to_have_text(
        await tr(page, "person.deactivateTitle", name=cast.renamed)
    )
    await confirm(page)
    await expect(person.locator("[data-role=deactivated-tag]")).to_have_text(
        await tr(page, "person.deactivatedTag")
    )
    assert live_service.api("GET", "/api/users/me", key=new_key).status_code == 401
    await assert_speaks(page, language, typed=TYPED)
    await person.locator("[data-action=reactivate]").click()
    await confirm(page)
    await expect(person.locator("[data-role=deactivated-tag]")).to_have_count(0)
    assert live_service.api("GET", "/api/users/me", key=new_key).status_code == 200

    # Search finds them by a part of their e-mail.
    await page.get_by_label(await tr(page, "person.searchLabel")).fill(cast.new_email.split("@")[0])
    await expect(page.locator("li.admin-person")).to_have_count(1)
    await expect(row(page, cast.renamed)).to_be_visible()

    # The audit log has every step, newest first, in words.
    await page.locator("[data-section=audit]").click()
    entries = page.locator(f"li.audit-entry:has([data-role=target] a[href='/users/{newcomer_id}'])")
    actions = ["reactivate", "deactivate", "change_person", "rotate_key", "create_person"]
    await expect(entries).to_have_count(len(actions))
    assert [await entry.get_attribute("data-action") for entry in await entries.all()] == actions
    keys = [
        "audit.reactivate",
        "audit.deactivate",
        "audit.changePerson",
        "audit.rotateKey",
        "audit.createPerson",
    ]
    await expect(entries.locator("[data-role=action]")).to_have_text(
        [await tr(page, key) for key in keys]
    )
    await expect(entries.nth(0)).to_contain_text(cast.admin)
    changed = entries.nth(2)
    await expect(changed.locator("[data-field=name]")).to_contain_text(
        f"{cast.newcomer} → {cast.renamed}"
    )
    await expect(changed.locator("[data-field=email]")).to_contain_text(
        f"{cast.email} → {cast.new_email}"
    )
    deactivated = entries.nth(1).locator("[data-field=active]")
    yes, no = await tr(page, "audit.yes"), await tr(page, "audit.no")
    await expect(deactivated).to_have_text(f"{await tr(page, 'audit.fieldActive')}: {yes} → {no}")
    await assert_speaks(page, language, typed=TYPED)
    await shot(page, f"admin-audit-{language}")


async def test_a_plain_person_has_no_way_into_the_administration(
    page: Page, live_service: LiveService
) -> None:
    plain = live_service.create_person("Sam Reader")
    await sign_in(page, plain)
    await expect(page.locator("[data-nav=home]")).to_be_visible()
    await expect(page.locator("[data-nav=admin]")).to_have_count(0)
    await page.goto("/admin/people")
    await expect(page.locator("[data-role=admin-refused]")).to_have_text(
        await tr(page, "admin.refused")
    )
    await expect(page.locator("li.admin-person")).to_have_count(0)
    assert live_service.api("GET", "/api/admin/users", key=plain.api_key).status_code == 403


@pytest.mark.parametrize("locale", list(LOCALES))
async def test_a_reported_post_is_resolved_and_deleted_by_an_administrator(
    new_page: NewPage, live_service: LiveService, locale: str
) -> None:
    language = LOCALES[locale]
    admin = live_service.create_person(CASTS[locale].admin, admin=True)
    spammer = live_service.create_person("Rita Spammer")
    reader = live_service.create_person("Sam Reader")
    live_service.api.follow(reader, spammer)
    spam = live_service.api.tweet(spammer, "Buy cheap watches at my shop")
    live_service.api.tweet(reader, "Selling watches here")

    page = await new_page()
    await sign_in(page, reader)
    # One's own post has no Report; someone else's has.
    await expect(
        tweet(page, "Selling watches here").locator("[data-action=delete]")
    ).to_be_visible()
    await expect(tweet(page, "Selling watches here").locator("[data-action=report]")).to_have_count(
        0
    )
    await (
        tweet(page, "Buy cheap watches")
        .get_by_role("button", name=await tr(page, "report.action"))
        .click()
    )
    dialog = page.locator("dialog.report-dialog")
    await dialog.locator("[data-action=send-report]").click()
    await expect(dialog.locator("[data-role=report-error]")).to_have_text(
        await tr(page, "report.empty")
    )
    await dialog.get_by_label(await tr(page, "report.reasonLabel")).fill("Spam, not about work")
    await expect(dialog.locator("[data-role=counter]")).to_have_text(
        await tr(page, "composer.counter", used=len("Spam, not about work"), max=500)
    )
    await assert_speaks(page, language, typed=TYPED)
    await dialog.locator("[data-action=send-report]").click()
    await expect(dialog).to_have_count(0)
    await expect(page.locator(".notice")).to_have_text(await tr(page, "report.sent"))

    page = await new_page()
    await sign_in(page, admin)
    await page.goto("/admin/reports")
    badge = page.locator("[data-role=open-reports]")
    await expect(badge).to_have_text("1")
    report = page.locator("article.report", has_text="Spam, not about work")
    await expect(report).to_contain_text("Sam Reader")
    await expect(tweet(page, "Buy cheap watches")).to_be_visible()
    await assert_speaks(page, language, typed=TYPED)
    await shot(page, f"admin-reports-{language}")

    await report.locator("[data-action=resolve]").click()
    resolve = page.locator("dialog.resolve-dialog")
    await resolve.get_by_label(await tr(page, "reports.note")).fill("Removed as spam")
    await resolve.get_by_label(await tr(page, "reports.deletePost")).check()
    await resolve.locator("[data-action=resolve-report]").click()
    await expect(page.locator("dialog.confirm")).to_contain_text(
        await tr(page, "reports.deleteQuestion")
    )
    await confirm(page)
    await expect(page.locator(".notice")).to_have_text(await tr(page, "reports.resolvedDeleted"))
    await expect(page.locator("article.report")).to_have_count(0)
    await expect(page.locator("[data-role=no-reports]")).to_have_text(
        await tr(page, "reports.noneOpen")
    )
    await expect(badge).to_be_hidden()
    assert live_service.api("GET", f"/api/tweets/{spam}", key=admin.api_key).status_code == 404

    await page.locator("[data-status=resolved]").click()
    done = page.locator("article.report", has_text="Spam, not about work").first
    await expect(done.locator("[data-role=post-gone]")).to_have_text(
        await tr(page, "reports.postGone")
    )
    await expect(done.locator("[data-role=resolution]")).to_contain_text("Removed as spam")
    await expect(done.locator("[data-role=resolution]")).to_contain_text(
        await tr(page, "reports.resolvedBy", name=CASTS[locale].admin)
    )
    await assert_speaks(page, language, typed=TYPED)
    await page.locator("[data-section=audit]").click()
    await expect(page.locator("li.audit-entry[data-action=resolve_report]").first).to_contain_text(
        await tr(page, "audit.resolveReport")
    )


@pytest.mark.parametrize("locale", list(LOCALES))
async def test_an_administrator_deletes_someone_elses_post_from_the_feed(
    new_page: NewPage, live_service: LiveService, locale: str
) -> None:
    """Moderation without a report: the administrator's Delete on another's post says
    whose it is and that it goes on record; a plain person has no Delete there."""
    language = LOCALES[locale]
    admin = live_service.create_person(CASTS[locale].admin, admin=True)
    author = live_service.create_person("Olga Offtopic")
    live_service.api.follow(admin, author)
    post = live_service.api.tweet(author, "Completely off-topic rant")

    page = await new_page()
    await sign_in(page, admin)
    card = tweet(page, "Completely off-topic rant")
    await expect(card.locator("[data-action=report]")).to_be_visible()
    await card.locator("[data-action=delete]").click()
    await expect(page.locator("dialog.confirm")).to_contain_text(
        await tr(page, "tweet.moderateQuestion", name="Olga Offtopic")
    )
    await assert_speaks(
        page, language, typed=[*TYPED, "Olga Offtopic", "OO", "Completely off-topic rant"]
    )
    await confirm(page)
    await expect(page.locator(".notice")).to_have_text(await tr(page, "tweet.deleted"))
    assert live_service.api("GET", f"/api/tweets/{post}", key=admin.api_key).status_code == 404
    audit = live_service.api("GET", "/api/admin/audit", key=admin.api_key).json()["entries"]
    assert [e["action"] for e in audit if (e["target_type"], e["target_id"]) == ("post", post)] == [
        "delete_post"
    ]

    # A plain person sees no Delete on someone else's post.
    reader = live_service.create_person("Rob Reader")
    live_service.api.follow(reader, author)
    live_service.api.tweet(author, "Another post of Olga's")
    page = await new_page()
    await sign_in(page, reader)
    other = tweet(page, "Another post of Olga's")
    await expect(other.locator("[data-action=report]")).to_be_visible()
    await expect(other.locator("[data-action=delete]")).to_have_count(0)
