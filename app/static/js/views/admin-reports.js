// @ts-check
// Administration: reports of posts, the open ones (or the resolved ones), newest
// first, each with the post as everyone sees it; resolving one takes a note and may
// delete the post.
/** @import { ApiError } from "../api.js" */
/** @import { PagedList } from "../components/paged-list.js" */
/** @import { Report } from "../types.js" */
/** @import { Section } from "./admin.js" */
import { adminApi } from "../admin-api.js";
import { countedText } from "../components/counted-text.js";
import { confirmDialog, openDialog } from "../components/dialog.js";
import { notify } from "../components/notice.js";
import { pagedList } from "../components/paged-list.js";
import { tweetCard } from "../components/tweet-card.js";
import { h, uniqueId } from "../dom.js";
import { timeElement } from "../format.js";
import { t, tIsolated } from "../i18n.js";

const MAX_RESOLUTION = 500;

/**
 * Asks for the note (and whether to delete the post) and resolves the report;
 * `onResolved` hears that it is.
 * @param {Report} report
 * @param {() => void} onResolved
 * @param {(error: unknown) => boolean} refusedBy
 */
function openResolve(report, onResolved, refusedBy) {
  const note = countedText({ label: t("reports.note"), max: MAX_RESOLUTION, name: "resolution", rows: 3 });
  const remove = h("input", { id: uniqueId("delete-post"), type: "checkbox", name: "delete_tweet", disabled: report.tweet === null });
  const error = h("p", { class: "form-error", role: "alert", "data-role": "resolve-error" });
  const cancel = h("button", { type: "button", class: "button", "data-action": "cancel" }, t("action.cancel"));
  const resolve = h("button", { type: "submit", class: "button button-primary", "data-action": "resolve-report" }, t("reports.resolve"));
  const form = h(
    "form",
    { class: "dialog-form" },
    note.element,
    h("div", { class: "form-check" }, remove, h("label", { for: remove.id }, t("reports.deletePost"))),
    error,
    h("div", { class: "dialog-actions" }, cancel, resolve),
  );
  const dialog = openDialog({ title: t("reports.resolveTitle"), className: "resolve-dialog", body: form });
  cancel.addEventListener("click", () => dialog.close());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problem = note.problem("") || null; // an empty note is fine
    error.textContent = problem ?? "";
    if (problem) return;
    const deleting = remove.checked;
    if (deleting) {
      const sure = await confirmDialog({
        title: t("tweet.deleteTitle"),
        message: t("reports.deleteQuestion"),
        confirmLabel: t("tweet.deleteConfirm"),
      });
      if (!sure) return remove.focus();
    }
    resolve.disabled = true;
    try {
      await adminApi.resolveReport(report.id, note.value(), deleting);
    } catch (caught) {
      const failure = /** @type {ApiError} */ (caught);
      resolve.disabled = false;
      if (refusedBy(failure)) return dialog.close();
      error.textContent = failure.status === 409 ? t("reports.already") : t("reports.failed", { reason: failure.message });
      return;
    }
    dialog.close();
    notify(t(deleting ? "reports.resolvedDeleted" : "reports.resolvedDone"));
    onResolved();
  });
  note.field.focus();
}

/**
 * @param {Report} report
 * @param {{ onResolved: (report: Report) => void, refusedBy: (error: unknown) => boolean }} options
 */
function reportItem(report, { onResolved, refusedBy }) {
  const item = h(
    "article",
    { class: "report", dataset: { reportId: report.id }, "aria-label": t("reports.by", { name: report.reporter.name }) },
    h(
      "header",
      { class: "report-header" },
      h("span", null, tIsolated("reports.by", { name: report.reporter.name })),
      timeElement(report.created_at),
    ),
    h(
      "p",
      { class: "report-reason", "data-role": "reason" },
      h("span", { class: "report-label" }, t("reports.reason")),
      " ",
      h("span", { dir: "auto" }, report.reason),
    ),
    report.tweet ? tweetCard(report.tweet) : h("p", { class: "report-gone", "data-role": "post-gone" }, t("reports.postGone")),
  );
  if (report.resolved_at) {
    item.append(
      h(
        "p",
        { class: "report-resolution", "data-role": "resolution" },
        h(
          "span",
          null,
          report.resolved_by ? tIsolated("reports.resolvedBy", { name: report.resolved_by.name }) : t("reports.resolvedLabel"),
        ),
        " ",
        timeElement(report.resolved_at),
        report.resolution ? [h("br"), h("span", { dir: "auto" }, report.resolution)] : null,
      ),
    );
  } else {
    const resolve = h("button", { type: "button", class: "button", "data-action": "resolve" }, t("reports.resolve"));
    resolve.addEventListener("click", () => openResolve(report, () => onResolved(report), refusedBy));
    item.append(h("div", { class: "report-actions" }, resolve));
  }
  return item;
}

/** @type {Section} */
export function reportsSection(element, { query, refusedBy, listing, setOpenCount, countOpen }) {
  const status = query.get("status") === "resolved" ? "resolved" : "open";
  /** @param {"open" | "resolved"} which */
  const filter = (which) =>
    h(
      "a",
      {
        href: which === "open" ? "/admin/reports" : "/admin/reports?status=resolved",
        class: "profile-tab",
        "aria-current": which === status ? "page" : null,
        dataset: { status: which },
      },
      t(which === "open" ? "reports.open" : "reports.resolved"),
    );
  /** @type {PagedList<Report>} */
  const list = pagedList({
    fetchPage: listing(async (offset, limit) => {
      const answer = await adminApi.reports(status, offset, limit);
      setOpenCount(answer.open_count);
      return answer.reports;
    }),
    renderItem: (report) =>
      reportItem(report, {
        refusedBy,
        onResolved: (resolved) => {
          element.querySelector(`[data-report-id="${resolved.id}"]`)?.remove();
          list.removed(resolved.id);
          countOpen();
        },
      }),
    key: (report) => report.id,
    empty: () =>
      h("p", { class: "empty-state", "data-role": "no-reports" }, t(status === "open" ? "reports.noneOpen" : "reports.noneResolved")),
    endText: "",
    listProps: { class: "reports", "aria-label": t(status === "open" ? "reports.open" : "reports.resolved") },
  });
  element.append(h("nav", { class: "admin-filter", "aria-label": t("reports.which") }, filter("open"), filter("resolved")), list.element);
  list.start();
  return { leave: () => list.destroy() };
}
