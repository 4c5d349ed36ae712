// @ts-check
// Writing a tweet or a reply: text with a live character count and @handle
// completion, up to four pictures (picker, drag-and-drop or paste) uploaded at once
// with progress, and errors shown here without losing what the person typed.
/** @import { ApiError } from "../api.js" */
/** @import { Child } from "../dom.js" */
/** @import { Tweet } from "../types.js" */
import { api } from "../api.js";
import { append, clear, h, icon, uniqueId } from "../dom.js";
import { fileSize, t, tIsolated } from "../i18n.js";
import { limits, signedIn } from "../session.js";
import { read, write } from "../storage.js";
import { lengthCounter } from "./length-counter.js";
import { mentionCompletion } from "./mention-complete.js";

/**
 * A picture in the composer: its `name`, a `preview` (an object URL of its bytes;
 * null until a draft's bytes come), and the `file` while it uploads or the
 * `mediaId` and `url` it got. show() gives it the rest: the controller that stops
 * its upload and its elements.
 * @typedef {object} Attachment
 * @property {string} name
 * @property {string | null} preview
 * @property {File} [file]
 * @property {number} [mediaId]
 * @property {string} [url]
 * @property {AbortController} controller
 * @property {HTMLButtonElement} removeButton
 * @property {HTMLImageElement} image
 * @property {HTMLLIElement} element
 */

/** An uploaded picture, as the draft keeps it. @typedef {{ id: number, url: string, name: string }} DraftPicture */

// The unposted text and its uploaded pictures survive leaving the page, a reload,
// a change of language and a crash of the tab: {text, pictures: [{id, url, name}]}.
// A reply's draft is kept apart, one for each post answered.
const DRAFT_KEY = "microblog.draft";

/**
 * @param {string} key
 * @returns {{ text: string, pictures: DraftPicture[] }}
 */
function readDraft(key) {
  try {
    const draft = JSON.parse(read("sessionStorage", key) ?? "{}");
    return { text: String(draft.text ?? ""), pictures: Array.isArray(draft.pictures) ? draft.pictures : [] };
  } catch {
    return { text: "", pictures: [] };
  }
}

// `onPosted` gets the new tweet as the service shows it (made here as the feed would
// show it if the service could not be asked); `replyTo` makes it a reply to that post.
/**
 * @param {{ onPosted: (tweet: Tweet) => void, replyTo?: number | null }} options
 * @returns {{ element: HTMLFormElement, leave: () => void }}
 */
export function composer({ onPosted, replyTo = null }) {
  const replying = replyTo !== null;
  const draftKey = replying ? `${DRAFT_KEY}.reply.${replyTo}` : DRAFT_KEY;
  const { max_tweet_length: maxLength, max_media_per_tweet: maxPictures, max_upload_bytes: maxBytes, picture_types: types } = limits();
  const textId = uniqueId("compose-text");
  const errorId = uniqueId("compose-error");
  const { counter, tooLong, show: showLength } = lengthCounter(maxLength);
  const text = h("textarea", {
    id: textId,
    name: "tweet",
    rows: 3,
    placeholder: t(replying ? "composer.replyPlaceholder" : "composer.placeholder"),
    "aria-describedby": `${counter.id} ${errorId}`,
  });
  const error = h("p", { id: errorId, class: "composer-error", role: "alert" });
  const picker = h("input", { type: "file", accept: types.join(","), multiple: true, hidden: true, "data-role": "picker" });
  const attach = h(
    "button",
    { type: "button", class: "button button-quiet", "data-action": "attach" },
    icon("image"),
    t("composer.attach"),
  );
  const post = h(
    "button",
    { type: "submit", class: "button button-primary", "data-action": "post" },
    t(replying ? "tweet.reply" : "composer.post"),
  );
  const completion = mentionCompletion(text); // its keys before the composer's own
  const previews = h("ul", { class: "composer-previews", "aria-label": t("composer.attached") });
  const form = h(
    "form",
    { class: ["composer", replying && "composer-reply"] },
    h("label", { for: textId, class: "composer-label" }, t(replying ? "composer.replyLabel" : "composer.label")),
    h("div", { class: "composer-field" }, text, completion.element),
    previews,
    tooLong,
    error,
    h(
      "div",
      { class: "composer-bar" },
      attach,
      picker,
      h("span", { class: "composer-hint" }, t("composer.dropHint")),
      h("span", { class: "composer-send" }, counter, post),
    ),
  );
  /** @type {Attachment[]} */
  const attachments = [];
  let posting = false;

  function saveDraft() {
    const pictures = attachments.filter((item) => item.mediaId !== undefined).map(({ mediaId, url, name }) => ({ id: mediaId, url, name }));
    const empty = text.value === "" && pictures.length === 0;
    write("sessionStorage", draftKey, empty ? null : JSON.stringify({ text: text.value, pictures }));
  }

  /** @param {Child} message */
  function showError(message) {
    append(clear(error), [message]);
  }

  function update() {
    const used = showLength(text.value);
    const uploading = attachments.some((item) => item.mediaId === undefined);
    post.disabled = posting || uploading || used === 0 || used > maxLength;
    attach.disabled = posting || attachments.length >= maxPictures;
    for (const item of attachments) item.removeButton.disabled = posting;
  }

  /** @param {Attachment} item */
  function remove(item) {
    showError(null); // an error about what was attached is out of date
    item.controller.abort();
    if (item.preview) URL.revokeObjectURL(item.preview);
    item.element.remove();
    attachments.splice(attachments.indexOf(item), 1);
    saveDraft();
    update();
  }

  /** @param {File} file */
  function refusal(file) {
    if (attachments.length >= maxPictures) return t("composer.tooMany", { count: maxPictures });
    if (file.type && !types.includes(file.type)) return tIsolated("composer.unsupported", { name: file.name });
    if (file.size > maxBytes) return tIsolated("composer.tooLarge", { name: file.name, size: fileSize(maxBytes) });
    return null;
  }

  /** @param {File[]} files */
  function add(files) {
    if (posting) return; // what is being posted is settled
    showError(null);
    for (const file of files) {
      const refused = refusal(file);
      if (refused) {
        showError(refused);
        break;
      }
      start(file);
    }
    update();
  }

  // A picture in the composer: `item` has its `name`, a `preview` (an object URL of
  // its bytes), and the `file` while it uploads or the `mediaId` and `url` it got.
  /**
   * @param {Attachment} item
   * @param {...Node} extra
   */
  function show(item, ...extra) {
    item.controller = new AbortController();
    item.removeButton = h(
      "button",
      {
        type: "button",
        class: "icon-button preview-remove",
        "data-action": "remove-picture",
        "aria-label": t("composer.remove", { name: item.name }),
      },
      icon("close"),
    );
    item.removeButton.addEventListener("click", () => {
      remove(item);
      text.focus();
    });
    item.image = h("img", { src: item.preview, alt: item.name });
    item.element = h("li", { class: "preview" }, item.image, ...extra, item.removeButton);
    previews.append(item.element);
    attachments.push(item);
  }

  /** @param {File} file */
  function start(file) {
    const item = /** @type {Attachment} */ ({ file, name: file.name, preview: URL.createObjectURL(file) }); // show() adds the rest
    const progress = h("progress", { max: 1, value: 0, "aria-label": t("composer.uploading", { name: file.name }) });
    show(item, progress);
    item.element.classList.add("is-uploading");
    api
      .upload(file, { signal: item.controller.signal, onProgress: (done) => (progress.value = done) })
      .then((answer) => {
        item.mediaId = answer.media_id;
        item.url = answer.url ?? `/api/medias/${answer.media_id}`;
        item.element.classList.remove("is-uploading");
        progress.remove();
        saveDraft();
        update();
      })
      .catch((failure) => {
        if (item.controller.signal.aborted) return;
        remove(item);
        showError(
          tIsolated(failure.unavailable ? "composer.uploadUnavailable" : "composer.uploadFailed", {
            name: file.name,
            reason: failure.message,
          }),
        );
      });
  }

  function reset() {
    for (const item of [...attachments]) remove(item);
    text.value = "";
    saveDraft();
    showError(null);
    update();
  }

  async function submit() {
    if (post.disabled) return;
    posting = true;
    update();
    showError(null);
    const content = text.value.trim();
    // Every one uploaded: Post is disabled while one uploads.
    const pictures = /** @type {Array<Attachment & { mediaId: number, url: string }>} */ ([...attachments]);
    try {
      const answer = await api.postTweet(
        content,
        pictures.map((item) => item.mediaId),
        replyTo,
      );
      const self = signedIn();
      /** @type {Tweet} */
      let made = {
        id: answer.tweet_id,
        content,
        attachments: pictures.map((item) => item.url),
        author: { id: self.id, name: self.name, handle: self.handle },
        likes: [],
        likes_count: 0,
        created_at: new Date().toISOString(),
        reply_to: replyTo,
        replies_count: 0,
        mentions: [],
      };
      try {
        made = (await api.tweet(answer.tweet_id)).tweet; // with its mentions, as the server read them
      } catch {
        // posted all the same: shown as made here, its mentions as text until a reload
      }
      onPosted(made);
      posting = false;
      reset();
      text.focus(); // ready for the next one; the Post button just got disabled
    } catch (caught) {
      const failure = /** @type {ApiError} */ (caught);
      posting = false;
      showError(t(failure.unavailable ? "composer.postUnavailable" : "composer.postFailed", { reason: failure.message }));
      update();
      text.focus();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  text.addEventListener("input", () => {
    update();
    saveDraft();
  });
  text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit();
    }
  });
  text.addEventListener("paste", (event) => {
    const files = [...(event.clipboardData?.files ?? [])];
    if (files.length > 0) {
      event.preventDefault();
      add(files);
    }
  });
  attach.addEventListener("click", () => picker.click());
  picker.addEventListener("change", () => {
    add([.../** @type {FileList} */ (picker.files)]); // an <input type=file> has a list
    picker.value = "";
  });
  /** @param {DragEvent} event */
  const dragging = (event) => event.dataTransfer && [...event.dataTransfer.types].includes("Files");
  form.addEventListener("dragover", (event) => {
    if (!dragging(event)) return;
    event.preventDefault();
    form.classList.add("is-dropping");
  });
  form.addEventListener("dragleave", (event) => {
    if (!form.contains(/** @type {Node | null} */ (event.relatedTarget))) form.classList.remove("is-dropping");
  });
  form.addEventListener("drop", (event) => {
    if (!dragging(event)) return;
    event.preventDefault();
    form.classList.remove("is-dropping");
    add([.../** @type {DataTransfer} */ (event.dataTransfer).files]); // dragging() saw it
  });
  const draft = readDraft(draftKey);
  text.value = draft.text;
  for (const picture of draft.pictures.slice(0, maxPictures)) {
    // show() adds the rest.
    const item = /** @type {Attachment} */ ({ name: String(picture.name), mediaId: picture.id, url: picture.url, preview: null });
    show(item);
    api
      .unpostedPicture(picture.url)
      .then((bytes) => {
        if (!attachments.includes(item)) return;
        item.preview = URL.createObjectURL(bytes);
        item.image.src = item.preview;
      })
      // Gone meanwhile (an upload unposted for long expires): out of the draft too.
      .catch((failure) => failure.status === 404 && attachments.includes(item) && remove(item));
  }
  update();
  // Leaving the view: uploads still running stop (their pictures were not kept).
  const leave = () => {
    completion.leave();
    for (const item of attachments) if (item.mediaId === undefined) item.controller.abort();
  };
  return { element: form, leave };
}
