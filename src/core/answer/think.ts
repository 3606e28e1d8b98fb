const OPEN = "<think>";
const CLOSE = "</think>";

/** The longest end of `text` that is the start of `tag` (a tag split across two deltas). */
function partialTagAt(text: string, tag: string): number {
  for (let k = Math.min(tag.length - 1, text.length); k > 0; k--) {
    if (tag.startsWith(text.slice(-k))) return k;
  }
  return 0;
}

/**
 * Removes the reasoning a model writes before its answer as `<think>…</think>` (DeepSeek-R1, Qwen3 and
 * others served by Ollama, vLLM or LM Studio without a reasoning parser) from a stream of deltas, even when
 * a tag arrives split across chunks. Only a block that opens the answer is reasoning; a `<think>` later in
 * the text is the answer's own words and stays. A block that never closes shows nothing. (Reasoning sent
 * apart, as `reasoning_content`, never reaches the answer.)
 */
export function createThinkFilter() {
  let state: "start" | "inside" | "after" | "answer" = "start";
  let held = "";
  return {
    push(delta: string): string {
      if (state === "answer") return delta;
      let text = held + delta;
      held = "";
      if (state === "start") {
        const body = text.trimStart();
        if (body.startsWith(OPEN)) {
          state = "inside";
          text = body.slice(OPEN.length);
        } else if (OPEN.startsWith(body)) {
          held = text; // whitespace, or the start of the tag: wait for more
          return "";
        } else {
          state = "answer";
          return text;
        }
      }
      if (state === "inside") {
        const end = text.indexOf(CLOSE);
        if (end < 0) {
          const k = partialTagAt(text, CLOSE);
          held = k > 0 ? text.slice(-k) : "";
          return "";
        }
        state = "after";
        text = text.slice(end + CLOSE.length);
      }
      // Right after the reasoning: the blank lines before the answer are not shown.
      const answer = text.trimStart();
      if (answer) state = "answer";
      return answer;
    },
    /** The end of the stream: text held as a possible tag start was the answer's (unless inside a block). */
    flush(): string {
      const rest = state === "start" ? held : "";
      held = "";
      return rest;
    },
  };
}
