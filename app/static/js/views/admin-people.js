// @ts-check
// Administration: people. Everyone, deactivated people too, searchable by name,
// handle or e-mail; adding a person (their key shown once), a new key, changes, and
// deactivating and reactivating, each asked first.
/** @import { PersonChange } from "../admin-api.js" */
/** @import { ApiError } from "../api.js" */
/** @import { PagedList } from "../components/paged-list.js" */
/** @import { AdminUser } from "../types.js" */
/** @import { Section } from "./admin.js" */
import { adminApi } from "../admin-api.js";
import { confirmDialog } from "../components/dialog.js";
import { revealKey } from "../components/key-reveal.js";
import { notify, notifyError } from "../components/notice.js";
import { pagedList } from "../components/paged-list.js";
import { avatar, profileLink } from "../components/person.js";
import { openPersonForm, personProblem } from "../components/person-form.js";
import { listSearch } from "../components/search-field.js";
import { h } from "../dom.js";
import { t, tIsolated } from "../i18n.js";

/**
 * @param {string} label
 * @param {string} action
 * @param {string} name the person's, for screen readers
 */
function actionButton(label, action, name) {
  return h(
    "button",
    { type: "button", class: "button button-small", "data-action": action, title: t("person.actionFor", { action: label, name }) },
    label,
  );
}

/**
 * One person's row, drawn again in place when they change.
 * @param {AdminUser} person
 * @param {(error: unknown) => boolean} refusedBy
 * @returns {HTMLLIElement}
 */
function personRow(person, refusedBy) {
  const edit = actionButton(t("person.edit"), "edit-person", person.name);
  const key = actionButton(t("person.newKey"), "new-key", person.name);
  const switchActive = actionButton(
    person.active ? t("person.deactivate") : t("person.reactivate"),
    person.active ? "deactivate" : "reactivate",
    person.name,
  );
  const row = h(
    "li",
    {
      class: ["person", "admin-person", !person.active && "is-deactivated"],
      dataset: { personId: person.id, active: String(person.active) },
    },
    avatar(person),
    h(
      "div",
      { class: "person-details" },
      h("p", { class: "admin-person-name" }, profileLink(person), " ", h("span", { class: "handle", dir: "ltr" }, `@${person.handle}`)),
      h(
        "p",
        { class: "person-counts" },
        person.email ? h("span", { "data-role": "email", dir: "ltr" }, person.email) : h("span", { class: "muted" }, t("person.noEmail")),
        person.is_admin ? h("span", { class: "tag", "data-role": "admin-tag" }, t("person.adminTag")) : null,
        person.active ? null : h("span", { class: "tag tag-warning", "data-role": "deactivated-tag" }, t("person.deactivatedTag")),
      ),
    ),
    h("div", { class: "admin-person-actions" }, edit, key, switchActive),
  );
  /** @param {AdminUser} changed */
  const redraw = (changed) => row.replaceWith(personRow(changed, refusedBy));
  /**
   * @param {unknown} error
   * @param {PersonChange} sent
   */
  const failed = (error, sent) => {
    if (!refusedBy(error)) notifyError(personProblem(/** @type {ApiError} */ (error), sent, person.name));
  };

  edit.addEventListener("click", () => openPersonForm({ person, onSaved: (saved) => redraw({ ...person, ...saved }) }));
  key.addEventListener("click", async () => {
    const sure = await confirmDialog({
      title: t("person.rotateTitle", { name: person.name }),
      message: t("person.rotateQuestion"),
      confirmLabel: t("person.rotateConfirm"),
    });
    if (!sure) return key.focus();
    try {
      const { user } = await adminApi.newKey(person.id);
      revealKey(user);
    } catch (caught) {
      failed(caught, {});
    }
  });
  switchActive.addEventListener("click", async () => {
    const active = !person.active;
    const sure = await confirmDialog({
      title: t(active ? "person.reactivateTitle" : "person.deactivateTitle", { name: person.name }),
      message: t(active ? "person.reactivateQuestion" : "person.deactivateQuestion"),
      confirmLabel: t(active ? "person.reactivate" : "person.deactivate"),
    });
    if (!sure) return switchActive.focus();
    try {
      const { user } = await adminApi.changePerson(person.id, { active });
      redraw({ ...person, ...user });
      notify(tIsolated(active ? "person.reactivated" : "person.deactivated", { name: person.name }));
    } catch (caught) {
      failed(caught, { active });
    }
  });
  return row;
}

/** @type {Section} */
export function peopleSection(element, { query, refusedBy, listing }) {
  const search = listSearch({ label: t("person.searchLabel"), placeholder: t("person.searchPlaceholder"), query, onSearch: () => show() });
  const add = h("button", { type: "button", class: "button button-primary", "data-action": "add-person" }, t("person.addTitle"));
  const results = h("div", { class: "people-results" });
  /** @type {PagedList<AdminUser> | null} */
  let list = null;

  function show() {
    list?.destroy();
    const q = search.value();
    list = pagedList({
      fetchPage: listing(async (offset, limit) => (await adminApi.people(q.replace(/^@/, ""), offset, limit)).users),
      renderItem: (person) => personRow(person, refusedBy),
      key: (person) => person.id,
      empty: () => h("p", { class: "empty-state", "data-role": "no-people" }, q ? tIsolated("person.noMatch", { q }) : t("people.nobody")),
      endText: "",
      listTag: "ul",
      listProps: { class: "people", "aria-label": t("admin.people") },
    });
    results.replaceChildren(list.element);
    list.start();
  }

  add.addEventListener("click", () =>
    openPersonForm({
      onSaved: (person) => {
        notify(tIsolated("person.created", { name: person.name }));
        show(); // where the new name falls in the list
      },
    }),
  );
  element.append(h("div", { class: "admin-toolbar" }, add), search.form, results);
  show();
  return {
    leave: () => {
      search.stop();
      list?.destroy();
    },
  };
}
