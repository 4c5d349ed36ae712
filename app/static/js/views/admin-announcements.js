// @ts-check
// Administration: announcements. Publishing one (text with links, an optional end),
// and every one published, with how many people dismissed it; withdrawing one takes
// it off everyone's screen.
/** @import { ApiError } from "../api.js" */
/** @import { PagedList } from "../components/paged-list.js" */
/** @import { AdminAnnouncement } from "../types.js" */
/** @import { Section } from "./admin.js" */
import { adminApi } from "../admin-api.js";
import { announcementText, endTime } from "../components/announcements.js";
import { countedText } from "../components/counted-text.js";
import { confirmDialog } from "../components/dialog.js";
import { notify, notifyError } from "../components/notice.js";
import { pagedList } from "../components/paged-list.js";
import { h, uniqueId } from "../dom.js";
import { timeElement } from "../format.js";
import { t, tIsolated } from "../i18n.js";

export const MAX_ANNOUNCEMENT = 1000;

/**
 * @param {AdminAnnouncement} announcement
 * @param {{ onWithdrawn: () => void, refusedBy: (error: unknown) => boolean }} options
 */
function announcementItem(announcement, { onWithdrawn, refusedBy }) {
  const state = announcement.active
    ? h("span", { class: "tag", "data-role": "state" }, t("announcements.active"))
    : h("span", { class: "tag tag-muted", "data-role": "state" }, t("announcements.ended"));
  const item = h(
    "article",
    { class: "admin-announcement", dataset: { announcementId: announcement.id, active: String(announcement.active) } },
    h(
      "header",
      { class: "report-header" },
      state,
      announcement.author ? h("span", null, tIsolated("announcements.by", { name: announcement.author.name })) : null,
      timeElement(announcement.created_at),
      announcement.ends_at ? endTime(announcement.ends_at) : null,
    ),
    announcementText(announcement),
    h("p", { class: "person-counts", "data-role": "dismissed" }, t("announcements.dismissed", { count: announcement.dismissed_count })),
  );
  if (announcement.active) {
    const withdraw = h("button", { type: "button", class: "button", "data-action": "withdraw" }, t("announcements.withdraw"));
    withdraw.addEventListener("click", async () => {
      const sure = await confirmDialog({
        title: t("announcements.withdrawTitle"),
        message: t("announcements.withdrawQuestion"),
        confirmLabel: t("announcements.withdraw"),
      });
      if (!sure) return withdraw.focus();
      try {
        await adminApi.withdraw(announcement.id);
      } catch (caught) {
        const error = /** @type {ApiError} */ (caught);
        if (!refusedBy(error)) notifyError(t("announcements.withdrawFailed", { reason: error.message }));
        return;
      }
      notify(t("announcements.withdrawn"));
      onWithdrawn();
    });
    item.append(h("div", { class: "report-actions" }, withdraw));
  }
  return item;
}

// `datetime-local` gives the local time without its zone; the API wants an instant.
/** @param {string} local */
function instant(local) {
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** @type {Section} */
export function announcementsSection(element, { refusedBy, listing }) {
  const text = countedText({
    label: t("announcements.textLabel"),
    max: MAX_ANNOUNCEMENT,
    name: "announcement",
    hint: t("announcements.textHint"),
  });
  const endsId = uniqueId("ends-at");
  const ends = h("input", { id: endsId, type: "datetime-local", name: "ends_at", "aria-describedby": `${endsId}-hint` });
  const error = h("p", { class: "form-error", role: "alert", "data-role": "publish-error" });
  const publish = h("button", { type: "submit", class: "button button-primary", "data-action": "publish" }, t("announcements.publish"));
  const form = h(
    "form",
    { class: "composer admin-publish", "aria-label": t("announcements.new") },
    text.element,
    h(
      "div",
      { class: "form-field" },
      h("label", { for: endsId }, t("announcements.endsLabel")),
      ends,
      h("p", { id: `${endsId}-hint`, class: "form-hint" }, t("announcements.endsHint")),
    ),
    error,
    h("div", { class: "composer-bar" }, h("span", { class: "composer-send" }, publish)),
  );
  const results = h("div");
  /** @type {PagedList<AdminAnnouncement> | null} */
  let list = null;

  function show() {
    list?.destroy();
    list = pagedList({
      fetchPage: listing(async (offset, limit) => (await adminApi.announcements(offset, limit)).announcements),
      renderItem: (announcement) => announcementItem(announcement, { onWithdrawn: show, refusedBy }),
      key: (announcement) => announcement.id,
      empty: () => h("p", { class: "empty-state", "data-role": "no-announcements" }, t("announcements.none")),
      endText: "",
      listProps: { class: "admin-announcements", "aria-label": t("announcements.list") },
    });
    results.replaceChildren(list.element);
    list.start();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    /** @type {[string, HTMLElement] | null} */
    let wrong = null;
    const problem = text.problem(t("announcements.empty"));
    const endsAt = ends.value ? instant(ends.value) : null;
    if (problem) wrong = [problem, text.field];
    else if (ends.value && (endsAt === null || endsAt.getTime() <= Date.now())) wrong = [t("announcements.endsPast"), ends];
    error.textContent = wrong ? wrong[0] : "";
    if (wrong) {
      wrong[1].focus();
      return;
    }
    publish.disabled = true;
    try {
      await adminApi.publish(text.value(), endsAt ? endsAt.toISOString() : null);
    } catch (caught) {
      const failure = /** @type {ApiError} */ (caught);
      if (!refusedBy(failure)) error.textContent = t("announcements.failed", { reason: failure.message });
      return;
    } finally {
      publish.disabled = false;
    }
    text.field.value = "";
    text.field.dispatchEvent(new Event("input"));
    ends.value = "";
    notify(t("announcements.published"));
    show();
  });
  element.append(form, h("h2", { class: "section-title" }, t("announcements.list")), results);
  show();
  return { leave: () => list?.destroy() };
}
