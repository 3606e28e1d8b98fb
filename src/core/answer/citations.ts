/**
 * Streams text through while checking citations `[n]` / `[n, m]` against the sections that exist.
 * A citation to a section that does not exist is removed before it is shown, and reported.
 * Text that only looks like a citation start is held back until it is decided, at most a few chars.
 */
export function createCitationFilter(validNumbers: (n: number) => boolean, onInvalid: (n: number) => void) {
  let pending = "";
  const cited: number[] = [];

  const resolve = (candidate: string): string => {
    const m = /^\[(\d{1,4}(?:\s*[,,]\s*\d{1,4})*)\]$/.exec(candidate);
    if (!m?.[1]) return candidate;
    const numbers = m[1].split(/\s*[,,]\s*/).map(Number);
    const good = numbers.filter((n) => {
      if (validNumbers(n)) return true;
      onInvalid(n);
      return false;
    });
    for (const n of good) if (!cited.includes(n)) cited.push(n);
    return good.length > 0 ? `[${good.join(", ")}]` : "";
  };

  const push = (delta: string): string => {
    let out = "";
    for (const ch of delta) {
      if (pending) {
        pending += ch;
        if (ch === "]") {
          out += resolve(pending);
          pending = "";
        } else if (!/[\d,,\s]/.test(ch) || pending.length > 24) {
          out += pending;
          pending = "";
        }
      } else if (ch === "[") {
        pending = ch;
      } else {
        out += ch;
      }
    }
    return out;
  };

  return {
    push,
    /** Whatever is still held back at the end of the stream. */
    flush(): string {
      const rest = pending;
      pending = "";
      return rest;
    },
    /** Section numbers cited, in order of first citation. */
    cited: () => [...cited],
  };
}

/**
 * The marker the model ends an answer with when the memo does not cover the question (see prompt.ts).
 * Users never see it: the stream filter below removes it, even when it arrives split across chunks.
 */
export const NOT_COVERED_MARKER = "[[NOT_COVERED]]";

/** Removes `marker` from a stream of deltas and remembers whether it appeared. */
export function createMarkerFilter(marker = NOT_COVERED_MARKER) {
  let held = "";
  let seen = false;
  return {
    push(delta: string): string {
      let text = held + delta;
      held = "";
      if (text.includes(marker)) {
        seen = true;
        text = text.split(marker).join("");
      }
      // Hold back the longest end of the text that could be the start of the marker.
      for (let k = Math.min(marker.length - 1, text.length); k > 0; k--) {
        if (marker.startsWith(text.slice(-k))) {
          held = text.slice(-k);
          return text.slice(0, -k);
        }
      }
      return text;
    },
    /** What was held back at the end of the stream: it was not the marker after all. */
    flush(): string {
      const rest = held;
      held = "";
      return rest;
    },
    seen: () => seen,
  };
}
