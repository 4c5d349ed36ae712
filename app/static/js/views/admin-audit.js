// @ts-check
// Administration: the audit log, newest first, a page at a time: who did what to
// whom or what, when, and each changed field from before to after.
/** @import { MessageKey } from "../i18n.js" */
/** @import { AuditEntry } from "../types.js" */
/** @import { Section } from "./admin.js" */
import { adminApi } from "../admin-api.js";
import { pagedList } from "../components/paged-list.js";
import { profileLink } from "../components/person.js";
import { h } from "../dom.js";
import { timeElement } from "../format.js";
import { t } from "../i18n.js";

/** @type {Record<string, MessageKey>} */
const ACTIONS = {
  create_person: "audit.createPerson",
  rotate_key: "audit.rotateKey",
  change_person: "audit.changePerson",
  deactivate: "audit.deactivate",
  reactivate: "audit.reactivate",
  delete_post: "audit.deletePost",
  resolve_report: "audit.resolveReport",
  publish_announcement: "audit.publishAnnouncement",
  withdraw_announcement: "audit.withdrawAnnouncement",
};

/** @type {Record<string, MessageKey>} */
const TARGETS = {
  person: "audit.person",
  post: "audit.post",
  report: "audit.report",
  announcement: "audit.announcement",
};

// Actions whose fields had no value before: only the new values are shown.
const CREATIONS = new Set(["create_person", "publish_announcement"]);

/** @type {Record<string, MessageKey>} */
const FIELDS = {
  name: "audit.fieldName",
  handle: "audit.fieldHandle",
  email: "audit.fieldEmail",
  is_admin: "audit.fieldAdmin",
  active: "audit.fieldActive",
  resolution: "audit.fieldResolution",
  tweet_deleted: "audit.fieldDeletePost",
  author_id: "audit.fieldAuthor",
  content: "audit.fieldText",
  text: "audit.fieldText",
  ends_at: "audit.fieldEnds",
};

// A value as a person reads it: yes or no, a date, "—" for none, else as it is.
/**
 * @param {string} field
 * @param {unknown} value
 */
function shownValue(field, value) {
  if (value === null || value === undefined || value === "") return h("span", { class: "muted" }, "—");
  if (field === "handle") return h("span", { dir: "ltr" }, `@${value}`);
  if (typeof value === "boolean") return t(value ? "audit.yes" : "audit.no");
  if (typeof value === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(value)) return timeElement(value);
  return h("span", { dir: "auto" }, typeof value === "object" ? JSON.stringify(value) : String(value));
}

// Where the target can be seen: a person's profile, a post's conversation.
/** @param {AuditEntry} entry */
function target(entry) {
  const key = TARGETS[entry.target_type];
  const words = key ? t(key, { id: entry.target_id ?? "" }) : `${entry.target_type} ${entry.target_id ?? ""}`;
  if (entry.target_id === null) return words;
  if (key === "audit.person") return h("a", { href: `/users/${entry.target_id}` }, words);
  if (key === "audit.post" && entry.action !== "delete_post") return h("a", { href: `/tweets/${entry.target_id}` }, words);
  return words;
}

/** @param {AuditEntry} entry */
function entryItem(entry) {
  const action = ACTIONS[entry.action];
  const changes = Object.entries(entry.changes ?? {});
  return h(
    "li",
    { class: "audit-entry", dataset: { action: entry.action, entryId: entry.id } },
    h(
      "p",
      { class: "audit-line" },
      timeElement(entry.at),
      " ",
      entry.actor ? profileLink(entry.actor) : h("span", null, t("audit.service")),
      " ",
      h("span", { class: "audit-action", "data-role": "action" }, action ? t(action) : entry.action),
      " ",
      h("span", { class: "audit-target", "data-role": "target" }, target(entry)),
    ),
    changes.length > 0
      ? h(
          "ul",
          { class: "audit-changes" },
          changes.map(([field, [before, after]]) =>
            h(
              "li",
              { dataset: { field } },
              h("span", { class: "audit-field" }, FIELDS[field] ? t(FIELDS[field]) : field),
              ": ",
              CREATIONS.has(entry.action) ? null : [shownValue(field, before), " → "],
              shownValue(field, after),
            ),
          ),
        )
      : null,
  );
}

/** @type {Section} */
export function auditSection(element, { listing }) {
  const list = pagedList({
    fetchPage: listing(async (offset, limit) => (await adminApi.audit(offset, limit)).entries),
    renderItem: entryItem,
    key: (entry) => entry.id,
    empty: () => h("p", { class: "empty-state", "data-role": "no-entries" }, t("audit.empty")),
    endText: t("audit.end"),
    listTag: "ul",
    listProps: { class: "audit", "aria-label": t("admin.audit") },
  });
  element.append(list.element);
  list.start();
  return { leave: () => list.destroy() };
}
