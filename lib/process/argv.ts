/**
 * Splits a command line into a program and its arguments, as a POSIX shell would for
 * plain words: whitespace separates, `'…'` is literal, `"…"` allows `\"` and `\\`, a
 * backslash outside quotes escapes the next character. No globbing, no variables, no
 * pipes: the program is started directly, never through a shell.
 *
 * @module
 */

/** Splits `text` into words; throws an Error naming the problem (unclosed quote, empty). */
export function splitCommandLine(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  let quoteAt = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === "\\" && (text[i + 1] === '"' || text[i + 1] === "\\")) word += text[++i];
      else word += c;
      continue;
    }
    if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === "'" || c === '"') {
      quote = c;
      quoteAt = i;
    } else if (c === "\\" && i + 1 < text.length) word += text[++i];
    else word += c;
  }
  if (quote) throw new Error(`unclosed ${quote} at character ${quoteAt + 1} of the command`);
  if (inWord) words.push(word);
  if (words.length === 0) throw new Error("the command is empty");
  return words;
}
