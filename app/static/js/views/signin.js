// @ts-check
// Signing in: the person pastes the api key their administrator gave them.
/** @import { ApiError } from "../api.js" */
/** @import { Sentence, SignInKept, View } from "../types.js" */
import { languagePicker } from "../components/language.js";
import { h, uniqueId } from "../dom.js";
import { t } from "../i18n.js";
import { signIn } from "../session.js";

/**
 * What the frame tells the sign-in page (it has no route and no history entry of
 * its own: the frame shows it instead of any route's view while no one is signed in).
 * @typedef {object} SignInOptions
 * @property {Sentence | null} [problem] why the person is here (a key that stopped working)
 * @property {SignInKept | null} [kept] what `keep()` of an earlier sign-in page returned: the same page drawn again (in another language)
 * @property {() => void} onSignedIn called once the key works and is kept
 */

// The sign-in page as a view like any other, made for this showing of it: drawn
// with `options` in whatever place the frame gives it (the route's params, query and
// saved state mean nothing to it), it answers `keep()` besides its title.
/**
 * @param {SignInOptions} options
 * @returns {View}
 */
export function signInView(options) {
  return (container) => drawSignIn(container, options);
}

// `problem` says why the person is here (a key that stopped working), as a function
// giving the sentence in the language of the moment; `kept` is what `keep()` of an
// earlier sign-in page returned: the same page drawn again (in another language).
/**
 * @param {HTMLElement} container
 * @param {SignInOptions} options
 * @returns {{ title: string, keep: () => SignInKept }}
 */
function drawSignIn(container, { problem = null, kept = null, onSignedIn }) {
  const keyId = uniqueId("api-key");
  const helpId = uniqueId("api-key-help");
  const key = h("input", {
    id: keyId,
    name: "api-key",
    type: "password",
    autocomplete: "off",
    spellcheck: "false",
    "aria-describedby": helpId,
  });
  const error = h("p", { class: "form-error", role: "alert", "data-role": "signin-error" });
  /** @type {Sentence | null} */
  let shown = null;
  /** @param {Sentence | null} sentence */
  const say = (sentence) => {
    shown = sentence;
    error.textContent = sentence ? sentence() : "";
  };
  const submit = h("button", { type: "submit", class: "button button-primary" }, t("signin.submit"));
  const form = h(
    "form",
    { class: "signin-form", "aria-labelledby": "signin-title" },
    h("h1", { id: "signin-title", class: "page-title" }, t("signin.title")),
    h("p", { id: helpId }, t("signin.help")),
    h("label", { for: keyId }, t("signin.keyLabel")),
    key,
    error,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = key.value.trim();
    if (!value) {
      say(() => t("signin.empty"));
      key.focus();
      return;
    }
    submit.disabled = true;
    say(null);
    try {
      await signIn(value);
    } catch (caught) {
      const failure = /** @type {ApiError} */ (caught);
      submit.disabled = false;
      say(() => (failure.status === 401 ? t("signin.invalid") : t("signin.failed", { reason: failure.message })));
      key.select();
      key.focus();
      return;
    }
    onSignedIn();
  });
  container.append(h("div", { class: "signin" }, h("p", { class: "brand brand-large" }, t("app.name")), form, languagePicker()));
  key.value = kept?.key ?? "";
  say(kept ? kept.problem : problem);
  key.focus();
  return { title: t("signin.title"), keep: () => ({ key: key.value, problem: shown }) };
}
