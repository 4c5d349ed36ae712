// @ts-check
// "Report" on someone else's post: a dialog asking why, sent to the administrators.
/** @import { ApiError } from "../api.js" */
/** @import { Tweet } from "../types.js" */
import { reportApi } from "../admin-api.js";
import { h, icon } from "../dom.js";
import { t } from "../i18n.js";
import { countedText } from "./counted-text.js";
import { openDialog } from "./dialog.js";
import { notify } from "./notice.js";

export const MAX_REASON = 500;

/** @param {Tweet} tweet */
function openReport(tweet) {
  const reason = countedText({ label: t("report.reasonLabel"), max: MAX_REASON, name: "reason", hint: t("report.hint") });
  const error = h("p", { class: "form-error", role: "alert", "data-role": "report-error" });
  const cancel = h("button", { type: "button", class: "button", "data-action": "cancel" }, t("action.cancel"));
  const send = h("button", { type: "submit", class: "button button-primary", "data-action": "send-report" }, t("report.send"));
  const form = h("form", { class: "dialog-form" }, reason.element, error, h("div", { class: "dialog-actions" }, cancel, send));
  const dialog = openDialog({ title: t("report.title"), className: "report-dialog", body: form });
  cancel.addEventListener("click", () => dialog.close());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problem = reason.problem(t("report.empty"));
    error.textContent = problem ?? "";
    if (problem) {
      reason.field.focus();
      return;
    }
    send.disabled = true;
    try {
      await reportApi.report(tweet.id, reason.value());
    } catch (caught) {
      const failure = /** @type {ApiError} */ (caught);
      send.disabled = false;
      error.textContent = failure.status === 404 ? t("tweet.gone") : t("report.failed", { reason: failure.message });
      return;
    }
    dialog.close();
    notify(t("report.sent"));
  });
  reason.field.focus();
}

// The button in a post's header (posts of others only: tweet-card.js decides).
/** @param {Tweet} tweet */
export function reportButton(tweet) {
  const button = h(
    "button",
    {
      type: "button",
      class: "icon-button report-button",
      "data-action": "report",
      "aria-label": t("report.action"),
      title: t("report.action"),
    },
    icon("flag"),
  );
  button.addEventListener("click", () => openReport(tweet));
  return button;
}
