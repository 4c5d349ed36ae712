// @ts-check
// The administration area (/admin, administrators only; the API refuses everyone
// else regardless): people, reports, announcements and the audit log, one section
// at a time under tabs. The reports tab shows how many are open.
/** @import { ApiError } from "../api.js" */
/** @import { View } from "../types.js" */
import { adminApi } from "../admin-api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { signedIn } from "../session.js";
import { announcementsSection } from "./admin-announcements.js";
import { auditSection } from "./admin-audit.js";
import { peopleSection } from "./admin-people.js";
import { reportsSection } from "./admin-reports.js";

/**
 * What a section gets from the frame: the address's query, a way to say the person
 * may not be here after all (the API answered 403), and the open reports' count.
 * @typedef {object} SectionContext
 * @property {URLSearchParams} query
 * @property {(error: unknown) => boolean} refusedBy true (and the refusal shown) when `error` is the API's 403
 * @property {<T>(fetchPage: (offset: number, limit: number) => Promise<T[]>) => (offset: number, limit: number) => Promise<T[]>} listing
 *   a list's pages, as none once the API refuses (the refusal shown instead)
 * @property {(count: number) => void} setOpenCount shows a count the section heard
 * @property {() => void} countOpen asks the API for the count again
 */

/**
 * A section draws itself into its element and answers how to stop what it started.
 * @typedef {(element: HTMLElement, context: SectionContext) => { leave?: () => void }} Section
 */

/** @type {Record<string, { label: import("../i18n.js").MessageKey, draw: Section }>} */
const SECTIONS = {
  people: { label: "admin.people", draw: peopleSection },
  reports: { label: "admin.reports", draw: reportsSection },
  announcements: { label: "admin.announcements", draw: announcementsSection },
  audit: { label: "admin.audit", draw: auditSection },
};

/** @param {HTMLElement} container */
function refuse(container) {
  container.replaceChildren(
    h("h1", { class: "page-title" }, t("admin.title")),
    h("p", { class: "empty-state", role: "alert", "data-role": "admin-refused" }, t("admin.refused")),
    h("a", { href: "/", class: "button" }, t("notFound.home")),
  );
}

/** @type {View} */
export function adminView(container, [name = "people"], query) {
  const title = t("admin.title");
  if (!signedIn().is_admin) {
    refuse(container);
    return { title };
  }
  // The number on the tab, said in words to screen readers.
  const number = h("span", { class: "tab-badge", "aria-hidden": "true", "data-role": "open-reports" });
  const words = h("span", { class: "visually-hidden" });
  const badge = h("span", { hidden: true }, number, words);
  /** @param {number} count */
  const setOpenCount = (count) => {
    number.textContent = String(count);
    words.textContent = t("admin.openReports", { count });
    badge.hidden = count === 0;
  };
  const tabs = Object.entries(SECTIONS).map(([key, section]) =>
    h(
      "a",
      { href: `/admin/${key}`, class: "profile-tab", "aria-current": key === name ? "page" : null, dataset: { section: key } },
      t(section.label),
      key === "reports" ? badge : null,
    ),
  );
  const body = h("div", { class: "admin-section" });
  container.append(
    h("h1", { class: "page-title" }, title),
    h("nav", { class: "admin-tabs", "aria-label": t("admin.sections") }, tabs),
    body,
  );
  let left = false;
  /** @param {unknown} error */
  const refusedBy = (error) => {
    if (/** @type {ApiError} */ (error)?.status !== 403 || left) return false;
    refuse(container);
    return true;
  };
  /**
   * @template T
   * @param {(offset: number, limit: number) => Promise<T[]>} fetchPage
   */
  const listing =
    (fetchPage) =>
    /**
     * @param {number} offset
     * @param {number} limit
     */
    async (offset, limit) => {
      try {
        return await fetchPage(offset, limit);
      } catch (error) {
        if (refusedBy(error)) return [];
        throw error;
      }
    };
  const countOpen = () => {
    adminApi
      .reports("open", 0, 1)
      .then((answer) => setOpenCount(answer.open_count))
      .catch((error) => {
        if (!refusedBy(error)) console.warn("could not count the open reports", error); // the tab keeps what it had
      });
  };
  const section = SECTIONS[name].draw(body, { query, refusedBy, listing, setOpenCount, countOpen });
  countOpen();
  return {
    title: t("admin.pageTitle", { section: t(SECTIONS[name].label) }),
    leave: () => {
      left = true;
      section.leave?.();
    },
  };
}
