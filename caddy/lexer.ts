/**
 * The Caddyfile tokenizer caddy-docker-proxy uses, both to split a label's value into arguments
 * and to read back the Caddyfile it wrote (caddyfile/lexer.go, itself Caddy's old lexer). Its
 * quirks matter, because they decide what a label value turns into: a token is a run of
 * non-space characters; `"..."` and `` `...` `` quote one token (the quotes are dropped, an
 * unbalanced quote runs to the end of the text); inside double quotes only `\"` is an escape;
 * `#` at the start of a token comments out the rest of the line; a backslash before a newline
 * joins lines.
 */

export interface Token {
  readonly text: string;
  /** 1-based line the token starts on. */
  readonly line: number;
}

/** The tokens of a text, and whether a `#` comment swallowed part of it. */
export function lex(input: string): { tokens: Token[]; comment: boolean } {
  const chars = [...input.replace(/^\uFEFF/, "")];
  const tokens: Token[] = [];
  let position = 0;
  let line = 1;
  let skippedLines = 0;
  let commented = false;

  const next = (): Token | undefined => {
    let value = "";
    let tokenLine = line;
    let comment = false;
    let quoted = false;
    let backtick = false;
    let escaped = false;
    const make = (): Token => ({ text: value, line: tokenLine });

    for (;;) {
      // At the end of the input, an unterminated (even empty) quote yields what it collected.
      if (position >= chars.length) return value.length > 0 ? make() : undefined;
      const ch = chars[position++]!;

      if (!escaped && !backtick && ch === "\\") {
        escaped = true;
        continue;
      }
      if (quoted || backtick) {
        if (quoted && escaped) {
          // Inside double quotes only a quote can be escaped; any other backslash stays.
          if (ch !== '"') value += "\\";
          escaped = false;
        } else if ((quoted && ch === '"') || (backtick && ch === "`")) {
          return make();
        }
        if (ch === "\n") {
          line += 1 + skippedLines;
          skippedLines = 0;
        }
        value += ch;
        continue;
      }
      if (/\s/.test(ch)) {
        if (ch === "\r") continue;
        if (ch === "\n") {
          if (escaped) {
            skippedLines++;
            escaped = false;
          } else {
            line += 1 + skippedLines;
            skippedLines = 0;
          }
          comment = false;
        }
        if (value.length > 0) return make();
        continue;
      }
      if (ch === "#" && value.length === 0) comment = commented = true;
      if (comment) continue;
      if (value.length === 0) {
        tokenLine = line;
        if (ch === '"' || ch === "`") {
          // A closed quote is a token even when empty (`""`).
          if (ch === '"') quoted = true;
          else backtick = true;
          continue;
        }
      }
      if (escaped) {
        value += "\\";
        escaped = false;
      }
      value += ch;
    }
  };

  for (let token = next(); token !== undefined; token = next()) tokens.push(token);
  return { tokens, comment: commented };
}

/**
 * Caddyfile text as Caddy's lexer splits it into tokens (quotes, escapes, heredocs), with their
 * line numbers.
 */
export function tokenize(input: string): Token[] {
  return lex(input).tokens;
}
