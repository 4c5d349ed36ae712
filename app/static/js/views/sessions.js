// @ts-check
// Where you are signed in with your company account: each browser's session, when it
// began and was last used, and a button to end it; "sign out everywhere" ends them
// all. Ending this browser's own session signs you out here.
/** @import { ApiError } from "../api.js" */
/** @import { View, WebSession } from "../types.js" */
import { api } from "../api.js";
import { notifyError } from "../components/notice.js";
import { h } from "../dom.js";
import { timeElement } from "../format.js";
import { t } from "../i18n.js";
import { navigate } from "../router.js";
import { signedInByCookie, signOut } from "../session.js";

// More than anyone has: a session is a browser signed in within the last weeks.
const SHOWN = 100;

async function signedOutHere() {
  await signOut();
  navigate("/");
}

/** @type {View} */
export function sessionsView(container) {
  const list = h("ul", { class: "sessions-list", "data-role": "sessions" });
  const everywhere = h(
    "button",
    { type: "button", class: "button", "data-action": "end-all-sessions", disabled: true },
    t("sessions.endAll"),
  );
  const status = h("p", { class: "empty-state", "data-role": "sessions-status" }, t("list.loading"));
  let left = false;

  /** @param {WebSession} session */
  function row(session) {
    const end = h(
      "button",
      { type: "button", class: "button button-quiet", "data-action": "end-session" },
      session.current ? t("sessions.endThis") : t("sessions.end"),
    );
    end.addEventListener("click", async () => {
      end.disabled = true;
      try {
        await api.endSession(session.id);
      } catch (caught) {
        end.disabled = false;
        notifyError(/** @type {ApiError} */ (caught).message);
        return;
      }
      if (session.current) return signedOutHere();
      item.remove();
      if (!list.childElementCount) show([]);
    });
    const item = h(
      "li",
      { class: "session", dataset: { sessionId: session.id, current: session.current ? "yes" : "no" } },
      h(
        "div",
        { class: "session-about" },
        h("p", { class: "session-agent", dir: "auto" }, session.user_agent || t("sessions.unknownBrowser")),
        session.current ? h("p", { class: "session-current" }, t("sessions.current")) : null,
        h("p", { class: "session-times" }, `${t("sessions.since")} `, timeElement(session.created_at)),
        h("p", { class: "session-times" }, `${t("sessions.lastSeen")} `, timeElement(session.last_seen_at)),
      ),
      end,
    );
    return item;
  }

  /** @param {WebSession[]} sessions */
  function show(sessions) {
    list.replaceChildren(...sessions.map(row));
    status.hidden = sessions.length > 0;
    status.textContent = t("sessions.none");
    everywhere.disabled = sessions.length === 0;
  }

  everywhere.addEventListener("click", async () => {
    everywhere.disabled = true;
    try {
      await api.endAllSessions();
    } catch (caught) {
      everywhere.disabled = false;
      notifyError(/** @type {ApiError} */ (caught).message);
      return;
    }
    if (signedInByCookie()) return signedOutHere();
    show([]);
  });

  api.sessions(0, SHOWN).then(
    ({ sessions }) => {
      if (!left) show(sessions);
    },
    (/** @type {ApiError} */ error) => {
      if (!left) status.textContent = t("sessions.failed", { reason: error.message });
    },
  );

  const byKey = signedInByCookie() ? null : h("p", { class: "sessions-by-key", "data-role": "sessions-by-key" }, t("sessions.byKey"));
  container.append(
    h("div", {}, h("h1", { class: "page-title" }, t("sessions.title")), h("p", {}, t("sessions.help")), byKey, status, list, everywhere),
  );
  return {
    title: t("sessions.title"),
    leave: () => {
      left = true;
    },
  };
}
