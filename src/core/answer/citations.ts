/** `[n]`, `[n, m]`: numbers apart by a comma, a full-width comma or 、 (as Chinese answers write them). */
const CITATION = /^\[(\d{1,4}(?:\s*[,，、]\s*\d{1,4})*)\]$/;
const CITATIONS = /\[(\d{1,4}(?:\s*[,，、]\s*\d{1,4})*)\]/g;
const SEPARATOR = /\s*[,，、]\s*/;
const IN_CITATION = /[\d,，、\s]/;

/** The section numbers a finished text cites, in order of first citation; code (``` blocks, `inline`) cites none. */
export function citedNumbers(text: string): number[] {
  const prose = text.replace(/```[\s\S]*?(?:```|$)/g, " ").replace(/`[^`\n]*`/g, " ");
  const out: number[] = [];
  for (const m of prose.matchAll(CITATIONS))
    for (const n of (m[1] ?? "").split(SEPARATOR).map(Number)) if (!out.includes(n)) out.push(n);
  return out;
}

/**
 * Streams text through while checking citations `[n]` / `[n, m]` against the sections that exist.
 * A citation to a section that does not exist is removed before it is shown, and reported.
 * Text that only looks like a citation start is held back until it is decided, at most a few chars.
 * Code passes through untouched: in a ``` block or `inline code`, `messages[1]` is an index, not a source.
 */
export function createCitationFilter(validNumbers: (n: number) => boolean, onInvalid: (n: number) => void) {
  let pending = "";
  const cited: number[] = [];
  let ticks = 0; // backticks in a row just seen
  let fence = false; // inside a ``` block
  let inline = false; // inside `inline code`

  const resolve = (candidate: string): string => {
    const m = CITATION.exec(candidate);
    if (!m?.[1]) return candidate;
    const numbers = m[1].split(SEPARATOR).map(Number);
    const good = numbers.filter((n) => {
      if (validNumbers(n)) return true;
      onInvalid(n);
      return false;
    });
    for (const n of good) if (!cited.includes(n)) cited.push(n);
    return good.length > 0 ? `[${good.join(", ")}]` : "";
  };

  /** Follows code spans: a run of three or more backticks opens or closes a block, one an inline span. */
  const track = (ch: string) => {
    if (ch === "`") {
      ticks++;
      return;
    }
    if (ticks >= 3) fence = !fence;
    else if (ticks > 0 && !fence) inline = !inline;
    ticks = 0;
    if (ch === "\n") inline = false;
  };

  const push = (delta: string): string => {
    let out = "";
    for (const ch of delta) {
      track(ch);
      if (pending) {
        pending += ch;
        if (ch === "]") {
          out += resolve(pending);
          pending = "";
        } else if (!IN_CITATION.test(ch) || pending.length > 24) {
          out += pending;
          pending = "";
        }
      } else if (ch === "[" && !fence && !inline) {
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
