// @ts-check
// Adding a person or changing one (administrators): name, handle, e-mail and the
// administrator flag, in a dialog; a new person's api key is shown once after.
/** @import { PersonChange } from "../admin-api.js" */
/** @import { ApiError } from "../api.js" */
/** @import { AdminUser, PersonWithKey } from "../types.js" */
import { adminApi } from "../admin-api.js";
import { h, uniqueId } from "../dom.js";
import { t } from "../i18n.js";
import { openDialog } from "./dialog.js";
import { revealKey } from "./key-reveal.js";

// As the API takes them (app/handlers/users/schemas.py); it has the last word.
const HANDLE = /^@?[a-z0-9_.]{3,30}$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const MAX_NAME = 100;

// A refusal in the person's language. A 409 may mean a taken handle, a taken e-mail
// or the last active administrator: what was sent says which could be meant, and
// the API's words choose between them when more than one could.
/**
 * @param {ApiError} error
 * @param {PersonChange} sent
 * @param {string} name whom it is about
 */
export function personProblem(error, sent, name) {
  if (error.status === 409) {
    /** @type {Array<[string, RegExp]>} */
    const possible = [];
    if (sent.handle !== undefined) possible.push([t("person.handleTaken", { handle: sent.handle.replace(/^@/, "") }), /handle/i]);
    if (sent.email) possible.push([t("person.emailTaken", { email: sent.email }), /mail/i]);
    if (sent.active === false || sent.is_admin === false) possible.push([t("person.lastAdmin", { name }), /admin/i]);
    const meant = possible.length === 1 ? possible[0] : possible.find(([, words]) => words.test(error.message));
    return meant ? meant[0] : t("person.conflict");
  }
  if (error.status === 422) return t("person.invalid", { reason: error.message });
  return t("person.failed", { reason: error.message });
}

/**
 * @param {string} label
 * @param {HTMLInputElement} input
 * @param {string} [hint]
 */
function field(label, input, hint) {
  const hintId = hint ? uniqueId("hint") : null;
  if (hintId) input.setAttribute("aria-describedby", hintId);
  return h(
    "div",
    { class: "form-field" },
    h("label", { for: input.id }, label),
    input,
    hint ? h("p", { id: hintId, class: "form-hint" }, hint) : null,
  );
}

/**
 * `person` to change one, none to add one; `onSaved` gets them as saved.
 * @param {{ person?: AdminUser, onSaved: (person: AdminUser | PersonWithKey) => void }} options
 */
export function openPersonForm({ person, onSaved }) {
  const name = h("input", {
    id: uniqueId("name"),
    type: "text",
    name: "name",
    maxlength: MAX_NAME,
    autocomplete: "off",
    value: person?.name ?? "",
  });
  const handle = h("input", {
    id: uniqueId("handle"),
    type: "text",
    name: "handle",
    maxlength: 31,
    autocomplete: "off",
    spellcheck: "false",
    value: person?.handle ?? "",
  });
  const email = h("input", { id: uniqueId("email"), type: "email", name: "email", autocomplete: "off", value: person?.email ?? "" });
  const admin = h("input", { id: uniqueId("is-admin"), type: "checkbox", name: "is_admin", checked: person?.is_admin ?? false });
  const error = h("p", { class: "form-error", role: "alert", "data-role": "person-error" });
  const cancel = h("button", { type: "button", class: "button", "data-action": "cancel" }, t("action.cancel"));
  const save = h(
    "button",
    { type: "submit", class: "button button-primary", "data-action": "save-person" },
    person ? t("person.save") : t("person.create"),
  );
  const form = h(
    "form",
    { class: "dialog-form", novalidate: true },
    field(t("person.name"), name),
    field(person ? t("person.handle") : t("person.handleOptional"), handle, person ? undefined : t("person.handleHint")),
    field(t("person.emailOptional"), email, t("person.emailHint")),
    h("div", { class: "form-check" }, admin, h("label", { for: admin.id }, t("person.isAdmin"))),
    error,
    h("div", { class: "dialog-actions" }, cancel, save),
  );
  const dialog = openDialog({
    title: person ? t("person.editTitle", { name: person.name }) : t("person.addTitle"),
    className: "person-dialog",
    body: form,
  });
  cancel.addEventListener("click", () => dialog.close());

  // What is wrong with the form, and the field to go to; null when nothing is.
  /** @returns {[string, HTMLInputElement] | null} */
  function problem() {
    if (!name.value.trim()) return [t("person.nameEmpty"), name];
    const typed = handle.value.trim();
    if ((typed || person) && !HANDLE.test(typed.toLowerCase())) return [t("person.handleInvalid"), handle];
    if (email.value.trim() && !EMAIL.test(email.value.trim())) return [t("person.emailInvalid"), email];
    return null;
  }

  // The fields that differ from what the person has (all of them for a new one).
  /** @returns {PersonChange} */
  function changes() {
    /** @type {PersonChange} */
    const change = {};
    const values = {
      name: name.value.trim(),
      handle: handle.value.trim().replace(/^@/, "").toLowerCase(),
      email: email.value.trim() || null,
    };
    if (values.name !== person?.name) change.name = values.name;
    if (values.handle && values.handle !== person?.handle) change.handle = values.handle;
    if (values.email !== (person?.email ?? null)) change.email = values.email;
    if (admin.checked !== (person?.is_admin ?? false)) change.is_admin = admin.checked;
    return change;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const wrong = problem();
    error.textContent = wrong ? wrong[0] : "";
    if (wrong) {
      wrong[1].focus();
      return;
    }
    const change = changes();
    if (person && Object.keys(change).length === 0) {
      dialog.close();
      return;
    }
    save.disabled = true;
    try {
      if (person) {
        const { user } = await adminApi.changePerson(person.id, change);
        dialog.close();
        onSaved(user);
      } else {
        const { user } = await adminApi.createPerson({
          name: change.name ?? "",
          is_admin: admin.checked,
          ...(change.handle ? { handle: change.handle } : {}),
          ...(change.email ? { email: change.email } : {}),
        });
        dialog.close();
        onSaved(user);
        revealKey(user);
      }
    } catch (caught) {
      save.disabled = false;
      error.textContent = personProblem(/** @type {ApiError} */ (caught), change, person?.name ?? change.name ?? "");
    }
  });
  name.focus();
}
