/**
 * Splits section text into quotable sentences: at 。!?;(full-width or ASCII) and at line breaks. Code
 * blocks, bare list markers and pieces under 6 characters are not sentences. The offline answerer quotes
 * these, and a translation is aligned with its original by them (one translated line per sentence).
 */
export function sentences(text: string): string[] {
  return text
    .replace(/```[\s\S]*?```/g, "\n")
    .split(/\n+|(?<=[。!?!?;;])/u)
    .map((s) => s.replace(/^[\s>*#-]+|[\s*]+$/g, "").trim())
    .filter((s) => Array.from(s).length >= 6);
}
