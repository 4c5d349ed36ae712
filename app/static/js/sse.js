// @ts-check
// Server-Sent Events frames, parsed as the HTML standard says (the parts a fetch
// reader needs: EventSource cannot send the api-key header, so it is not used).

/**
 * One event: its `event:` type ("message" if none), its `data:` lines joined by
 * newlines, and the last `id:` seen on the stream so far (null before any).
 * @typedef {{ type: string, data: string, id: string | null }} SseEvent
 */

// Feed it the stream's bytes as they come; it calls `onEvent` for each finished event
// and `onActivity` for every line (heartbeat comments too), which tells that the
// connection is alive.
/**
 * @param {{ onEvent: (event: SseEvent) => void, onActivity?: () => void }} handlers
 * @param {string | null} [lastId] the id to start from (resuming)
 */
export function sseParser({ onEvent, onActivity = () => {} }, lastId = null) {
  const decoder = new TextDecoder(); // UTF-8; a character split across chunks waits for its rest
  let buffer = "";
  let type = "";
  /** @type {string[]} */
  let data = [];
  let id = lastId;
  let first = true;

  /** @param {string} line */
  function line(line) {
    onActivity();
    if (line === "") {
      if (data.length > 0) onEvent({ type: type || "message", data: data.join("\n"), id });
      type = "";
      data = [];
      return;
    }
    if (line.startsWith(":")) return; // a comment: the heartbeat
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") type = value;
    else if (field === "data") data.push(value);
    else if (field === "id" && !value.includes("\0")) id = value;
    // "retry" and unknown fields: the client keeps its own back-off.
  }

  return {
    /** @param {Uint8Array} chunk */
    push(chunk) {
      buffer += decoder.decode(chunk, { stream: true });
      if (first && buffer.length > 0) {
        if (buffer.startsWith("\uFEFF")) buffer = buffer.slice(1);
        first = false;
      }
      // A line ends at CRLF, LF or CR; a CR at the very end may be half of a CRLF.
      const lines = buffer.split(/\r\n|\n|\r(?!$)/);
      buffer = lines.pop() ?? "";
      for (const each of lines) line(each);
    },
    lastId: () => id,
  };
}
