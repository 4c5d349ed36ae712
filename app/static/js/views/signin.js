// @ts-check
// Signing in: the person pastes the api key their administrator gave them, or, where
// the company's identity provider is configured, signs in with their company account
// (a plain link: the browser goes to the provider and comes back signed in, or with
// `?signin_error=<code>` saying why not).
/** @import { ApiError } from "../api.js" */
/** @import { Sentence, SignInKept, View } from "../types.js" */
import { languagePicker } from "../components/language.js";
import { h, uniqueId } from "../dom.js";
import { t } from "../i18n.js";
import { signIn, signInOptions } from "../session.js";

// The refusals the server's sign-in callback names (app/handlers/auth/actions.py).
const SIGNIN_ERRORS = /** @type {const} */ ({
  no_account: "signin.error.no_account",
  deactivated: "signin.error.deactivated",
  unverified_email: "signin.error.unverified_email",
  expired: "signin.error.expired",
  denied: "signin.error.denied",
  failed: "signin.error.failed",
});

// Why the provider's sign-in came back without signing in, read once off the
// address (and taken out of it, so a reload does not say it again).
/** @returns {Sentence | null} */
function refusal() {
  const address = new URL(location.href);
  const code = address.searchParams.get("signin_error");
  if (code === null) return null;
  address.searchParams.delete("signin_error");
  history.replaceState(history.state, "", address.pathname + address.search + address.hash);
  const key = Object.hasOwn(SIGNIN_ERRORS, code) ? SIGNIN_ERRORS[/** @type {keyof typeof SIGNIN_ERRORS} */ (code)] : SIGNIN_ERRORS.failed;
  return () => t(key);
}

// "Sign in with <company>", once the server says it is offered; back to this address.
/** @param {HTMLElement} place */
async function offerCompanySignIn(place) {
  let options;
  try {
    options = await signInOptions();
  } catch {
    return; // the key still works; the service's trouble shows when it is used
  }
  if (!options.enabled || !place.isConnected) return;
  const back = location.pathname + location.search;
  place.replaceChildren(
    h("p", { class: "signin-or" }, t("signin.or")),
    h(
      "a",
      {
        href: `/auth/oidc/login?${new URLSearchParams({ return_to: back })}`,
        class: "button button-primary",
        "data-action": "oidc-sign-in",
      },
      t("signin.oidc", { provider: options.provider_name }),
    ),
  );
}

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
  const company = h("div", { class: "signin-company", "data-role": "oidc" });
  container.append(h("div", { class: "signin" }, h("p", { class: "brand brand-large" }, t("app.name")), form, company, languagePicker()));
  offerCompanySignIn(company);
  key.value = kept?.key ?? "";
  say(kept ? kept.problem : (refusal() ?? problem));
  key.focus();
  return { title: t("signin.title"), keep: () => ({ key: key.value, problem: shown }) };
}
