/**
 * The annotation language: the text of a NatSpec `@custom:reads` / `@custom:writes` tag.
 *
 * Grammar (EBNF; whitespace, including newlines, is allowed between tokens):
 * ```
 * annotation = location { "," location } ;
 * location   = identifier { "." identifier | "[" key "]" } ;
 * key        = "*"
 *            | [ "-" ] number | hex | string | "true" | "false"
 *            | "msg" "." "sender" | "tx" "." "origin" | "this" | "address" "(" "this" ")"
 *            | identifier "(" key { "," key } ")"          (* a key function, e.g. shard(x) *)
 *            | identifier { "." identifier } ;               (* a parameter, or a member of one *)
 * number     = digit { digit | "_" } [ ( "e" | "E" ) digit { digit } ] ;
 * hex        = "0x" hexdigit { hexdigit } ;
 * string     = '"' { char } '"' | "'" { char } "'" ;
 * identifier = ( letter | "_" | "$" ) { letter | digit | "_" | "$" } ;
 * ```
 * The parser is a tokenizer plus a recursive-descent parser; every node carries the character
 * offsets of its text so errors can point at it. It knows nothing about storage: `resolve.ts`
 * checks names against the storage layout and the function's parameters.
 */
import { AnnotationProblem } from "./errors.ts";

/** Character offsets into the annotation text: `[start, end)`. */
export interface Span {
  start: number;
  end: number;
}

/** A key inside `[ ]` (or an argument of a key function). */
export type KeyNode =
  | ({ kind: "any" } & Span)
  | ({ kind: "number"; value: bigint; text: string } & Span)
  | ({ kind: "hex"; text: string } & Span)
  | ({ kind: "bool"; value: boolean } & Span)
  | ({ kind: "string"; value: string } & Span)
  | ({ kind: "sender" } & Span)
  | ({ kind: "origin" } & Span)
  | ({ kind: "this" } & Span)
  /** A parameter, `path` naming members of a struct (tuple) parameter. */
  | ({ kind: "name"; name: string; path: string[] } & Span)
  /** A key function call such as `shard(msg.sender)`. */
  | ({ kind: "call"; name: string; args: KeyNode[]; nameEnd: number } & Span);

/** One step after the variable: `.member` or `[key]`. */
export type AccessorNode =
  | ({ kind: "member"; name: string } & Span)
  | ({ kind: "index"; key: KeyNode } & Span);

/**
 * One call of `@custom:calls`, e.g. `IERC20(asset).transferFrom(msg.sender, this, amount)`:
 * `type` is the contract or interface named around the target (absent when the target has a
 * contract type itself), `target` the immutable, constant, state variable or parameter holding
 * the callee's address.
 */
export interface CallNode extends Span {
  /** `a ? b ? call`: every guard must hold. */
  guards?: GuardNode[];
  type?: { name: string } & Span;
  target: { name: string } & Span;
  function: { name: string } & Span;
  args: KeyNode[];
}

/**
 * `cond ?` / `!cond ?` before a location or a call: it is declared only when the `bool` at
 * `cond` (a storage location, or an immutable or constant) is true (false for `!`).
 */
export interface GuardNode extends Span {
  negate: boolean;
  location: LocationNode;
}

/** One storage expression, e.g. `positions[msg.sender].debt`. */
export interface LocationNode extends Span {
  variable: string;
  variableSpan: Span;
  accessors: AccessorNode[];
  /** `a ? b ? location`: every guard must hold. */
  guards?: GuardNode[];
}

type TokenKind = "ident" | "number" | "hex" | "string" | "punct" | "eof";

interface Token extends Span {
  kind: TokenKind;
  text: string;
  /** Decoded value of string literals. */
  value?: string;
}

const PUNCTUATION = new Set([".", ",", "[", "]", "(", ")", "*", "-", "?", "!"]);

function describe(token: Token): string {
  switch (token.kind) {
    case "eof":
      return "the end of the annotation";
    case "ident":
      return `"${token.text}"`;
    case "punct":
      return `'${token.text}'`;
    default:
      return `${token.kind} ${token.text}`;
  }
}

/**
 * Splits an annotation into tokens.
 * @throws {AnnotationProblem} (`syntax`) on a character that cannot start a token or an
 *   unterminated string.
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (/[A-Za-z_$]/.test(c)) {
      while (i < text.length && /[A-Za-z0-9_$]/.test(text[i])) i++;
      tokens.push({ kind: "ident", text: text.slice(start, i), start, end: i });
    } else if (c === "0" && (text[i + 1] === "x" || text[i + 1] === "X")) {
      i += 2;
      while (i < text.length && /[0-9a-fA-F_]/.test(text[i])) i++;
      const body = text.slice(start + 2, i).replaceAll("_", "");
      if (body.length === 0)
        throw new AnnotationProblem("syntax", "a hex literal needs digits after 0x", start, i);
      if (i < text.length && /[A-Za-z0-9$]/.test(text[i])) {
        throw new AnnotationProblem("syntax", `invalid hex digit '${text[i]}'`, i, i + 1);
      }
      tokens.push({ kind: "hex", text: `0x${body}`, start, end: i });
    } else if (/[0-9]/.test(c)) {
      while (i < text.length && /[0-9_]/.test(text[i])) i++;
      if ((text[i] === "e" || text[i] === "E") && /[0-9]/.test(text[i + 1] ?? "")) {
        i++;
        while (i < text.length && /[0-9]/.test(text[i])) i++;
      }
      if (i < text.length && /[A-Za-z_$.]/.test(text[i])) {
        throw new AnnotationProblem("syntax", `invalid number: unexpected '${text[i]}'`, i, i + 1);
      }
      tokens.push({ kind: "number", text: text.slice(start, i), start, end: i });
    } else if (c === '"' || c === "'") {
      i++;
      let value = "";
      while (i < text.length && text[i] !== c) {
        if (text[i] === "\\") {
          const escaped = text[i + 1];
          const simple: Record<string, string> = {
            n: "\n",
            t: "\t",
            r: "\r",
            "\\": "\\",
            '"': '"',
            "'": "'",
          };
          if (escaped !== undefined && escaped in simple) {
            value += simple[escaped];
            i += 2;
          } else if (escaped === "x" && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
            value += String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16));
            i += 4;
          } else if (escaped === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
            value += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
            i += 6;
          } else {
            throw new AnnotationProblem(
              "syntax",
              "invalid escape sequence in string literal",
              i,
              i + 2,
            );
          }
        } else {
          value += text[i++];
        }
      }
      if (i >= text.length) {
        throw new AnnotationProblem(
          "syntax",
          "unterminated string literal",
          start,
          text.length,
          `close it with ${c}`,
        );
      }
      i++;
      tokens.push({ kind: "string", text: text.slice(start, i), value, start, end: i });
    } else if (PUNCTUATION.has(c)) {
      i++;
      tokens.push({ kind: "punct", text: c, start, end: i });
    } else {
      throw new AnnotationProblem(
        "syntax",
        `unexpected character '${c}'`,
        start,
        start + 1,
        "a location is a state variable followed by .member or [key] steps, e.g. balanceOf[msg.sender]",
      );
    }
  }
  tokens.push({ kind: "eof", text: "", start: text.length, end: text.length });
  return tokens;
}

const KEY_HINT =
  "a key is a parameter, msg.sender, tx.origin, this, a literal, * or a key function such as shard(x)";

class Parser {
  #tokens: Token[];
  #text: string;
  #pos = 0;

  constructor(text: string, tokens: Token[]) {
    this.#text = text;
    this.#tokens = tokens;
  }

  get #peek(): Token {
    return this.#tokens[this.#pos];
  }

  #next(): Token {
    return this.#tokens[this.#pos++];
  }

  #isPunct(text: string, token = this.#peek): boolean {
    return token.kind === "punct" && token.text === text;
  }

  #expectPunct(text: string, context: string, hint?: string): Token {
    const token = this.#peek;
    if (!this.#isPunct(text)) {
      throw new AnnotationProblem(
        "syntax",
        `expected '${text}' ${context}, found ${describe(token)}`,
        token.start,
        token.end,
        hint,
      );
    }
    return this.#next();
  }

  #expectIdent(what: string, hint?: string): Token {
    const token = this.#peek;
    if (token.kind !== "ident") {
      throw new AnnotationProblem(
        "syntax",
        `expected ${what}, found ${describe(token)}`,
        token.start,
        Math.max(token.end, token.start + 1),
        hint,
      );
    }
    return this.#next();
  }

  parseAnnotation(): LocationNode[] {
    const locations = [this.#parseGuardedLocation()];
    while (this.#isPunct(",")) {
      this.#next();
      locations.push(this.#parseGuardedLocation());
    }
    const token = this.#peek;
    if (token.kind !== "eof") {
      const hint = token.kind === "ident" ? "separate locations with commas" : undefined;
      throw new AnnotationProblem(
        "syntax",
        `expected ',' or the end of the annotation, found ${describe(token)}`,
        token.start,
        token.end,
        hint,
      );
    }
    return locations;
  }

  /** `[!] cond ?` if present (the position is restored when there is none). */
  #parseGuard(): GuardNode | undefined {
    const start = this.#peek.start;
    if (this.#isPunct("!")) {
      this.#next();
      const location = this.#parseLocation();
      const mark = this.#expectPunct(
        "?",
        `after the condition !${formatLocation(location)}`,
        "write !cond ? location",
      );
      return { negate: true, location, start, end: mark.end };
    }
    if (this.#peek.kind !== "ident") return undefined;
    const pos = this.#pos;
    const location = this.#parseLocation();
    if (this.#isPunct("?")) {
      const mark = this.#next();
      return { negate: false, location, start, end: mark.end };
    }
    this.#pos = pos;
    return undefined;
  }

  #parseGuards(): GuardNode[] {
    const guards: GuardNode[] = [];
    for (let guard = this.#parseGuard(); guard !== undefined; guard = this.#parseGuard())
      guards.push(guard);
    return guards;
  }

  #parseGuardedLocation(): LocationNode {
    const guards = this.#parseGuards();
    const location = this.#parseLocation();
    if (guards.length > 0) {
      location.guards = guards;
      location.start = guards[0].start;
    }
    return location;
  }

  parseCalls(): CallNode[] {
    const calls = [this.#parseCall()];
    while (this.#isPunct(",")) {
      this.#next();
      calls.push(this.#parseCall());
    }
    const token = this.#peek;
    if (token.kind !== "eof") {
      throw new AnnotationProblem(
        "syntax",
        `expected ',' or the end of the annotation, found ${describe(token)}`,
        token.start,
        token.end,
        token.kind === "ident" ? "separate calls with commas" : undefined,
      );
    }
    return calls;
  }

  #parseCall(): CallNode {
    const guards = this.#parseGuards();
    const call = this.#parseUnguardedCall();
    if (guards.length > 0) {
      call.guards = guards;
      call.start = guards[0].start;
    }
    return call;
  }

  #parseUnguardedCall(): CallNode {
    const hint =
      "a call names its callee and function, e.g. IERC20(asset).transferFrom(msg.sender, this, amount)";
    const first = this.#expectIdent(
      "a contract or a variable holding its address",
      this.#peek.kind === "eof" && this.#pos > 0 ? "remove the trailing comma" : hint,
    );
    let type: CallNode["type"];
    let target: CallNode["target"] = { name: first.text, start: first.start, end: first.end };
    if (this.#isPunct("(")) {
      this.#next();
      const inner = this.#expectIdent("the variable holding the callee's address", hint);
      this.#expectPunct(")", `to close "${first.text}("`);
      type = { name: first.text, start: first.start, end: first.end };
      target = { name: inner.text, start: inner.start, end: inner.end };
    }
    this.#expectPunct(
      ".",
      `after "${this.#text.slice(first.start, this.#tokens[this.#pos - 1].end)}"`,
      hint,
    );
    const fn = this.#expectIdent("the name of the function called", hint);
    this.#expectPunct("(", `after "${fn.text}"`, "list the arguments, e.g. transfer(to, amount)");
    const args: KeyNode[] = [];
    if (!this.#isPunct(")")) {
      args.push(this.#parseKey());
      while (this.#isPunct(",")) {
        this.#next();
        args.push(this.#parseKey());
      }
    }
    const close = this.#expectPunct(")", `to close the arguments of ${fn.text}(`);
    return {
      type,
      target,
      function: { name: fn.text, start: fn.start, end: fn.end },
      args,
      start: first.start,
      end: close.end,
    };
  }

  #parseLocation(): LocationNode {
    const first = this.#expectIdent(
      "a state variable name",
      this.#peek.kind === "eof" && this.#pos > 0
        ? "remove the trailing comma"
        : "locations start with a state variable, e.g. totalSupply or balanceOf[to]",
    );
    const accessors: AccessorNode[] = [];
    for (;;) {
      if (this.#isPunct(".")) {
        const dot = this.#next();
        const name = this.#expectIdent("a member name after '.'");
        accessors.push({ kind: "member", name: name.text, start: dot.start, end: name.end });
      } else if (this.#isPunct("[")) {
        const open = this.#next();
        if (this.#isPunct("]")) {
          const close = this.#peek;
          throw new AnnotationProblem(
            "syntax",
            "empty '[ ]': expected a key",
            open.start,
            close.end,
            `${KEY_HINT}; use [*] for any key`,
          );
        }
        const key = this.#parseKey();
        const close = this.#expectPunct(
          "]",
          `to close "${this.#text.slice(first.start, open.end)}"`,
        );
        accessors.push({ kind: "index", key, start: open.start, end: close.end });
      } else {
        break;
      }
    }
    const end = accessors.at(-1)?.end ?? first.end;
    return {
      variable: first.text,
      variableSpan: { start: first.start, end: first.end },
      accessors,
      start: first.start,
      end,
    };
  }

  #parseKey(): KeyNode {
    const token = this.#peek;
    if (this.#isPunct("*")) {
      this.#next();
      return { kind: "any", start: token.start, end: token.end };
    }
    if (this.#isPunct("-")) {
      this.#next();
      const number = this.#peek;
      if (number.kind !== "number") {
        throw new AnnotationProblem(
          "syntax",
          `expected a number after '-', found ${describe(number)}`,
          number.start,
          number.end,
        );
      }
      this.#next();
      return {
        kind: "number",
        value: -parseNumber(number),
        text: `-${number.text}`,
        start: token.start,
        end: number.end,
      };
    }
    switch (token.kind) {
      case "number":
        this.#next();
        return {
          kind: "number",
          value: parseNumber(token),
          text: token.text,
          start: token.start,
          end: token.end,
        };
      case "hex":
        this.#next();
        return { kind: "hex", text: token.text, start: token.start, end: token.end };
      case "string":
        this.#next();
        return { kind: "string", value: token.value ?? "", start: token.start, end: token.end };
      case "ident":
        return this.#parseNamedKey();
      default:
        throw new AnnotationProblem(
          "syntax",
          this.#isPunct("[")
            ? "keys cannot be storage locations"
            : `expected a key, found ${describe(token)}`,
          token.start,
          Math.max(token.end, token.start + 1),
          KEY_HINT,
        );
    }
  }

  #parseNamedKey(): KeyNode {
    const name = this.#next();
    const start = name.start;
    if (name.text === "true" || name.text === "false") {
      return { kind: "bool", value: name.text === "true", start, end: name.end };
    }
    if (name.text === "this") return { kind: "this", start, end: name.end };
    if (name.text === "msg" || name.text === "tx") {
      const wanted = name.text === "msg" ? "sender" : "origin";
      if (!this.#isPunct(".")) {
        throw new AnnotationProblem(
          "syntax",
          `expected '.${wanted}' after ${name.text}`,
          name.start,
          name.end,
          KEY_HINT,
        );
      }
      this.#next();
      const member = this.#expectIdent(`'${wanted}' after '${name.text}.'`);
      if (member.text !== wanted) {
        throw new AnnotationProblem(
          "syntax",
          `${name.text}.${member.text} cannot be a key; only msg.sender and tx.origin can`,
          start,
          member.end,
          KEY_HINT,
        );
      }
      return { kind: wanted === "sender" ? "sender" : "origin", start, end: member.end };
    }
    if (this.#isPunct("(")) {
      this.#next();
      if (name.text === "address") {
        const inner = this.#expectIdent(
          "'this' inside address( )",
          "only address(this) is supported",
        );
        if (inner.text !== "this") {
          throw new AnnotationProblem(
            "syntax",
            `address(${inner.text}) is not supported; only address(this) is`,
            start,
            inner.end,
            KEY_HINT,
          );
        }
        const close = this.#expectPunct(")", "after address(this");
        return { kind: "this", start, end: close.end };
      }
      const args: KeyNode[] = [];
      if (!this.#isPunct(")")) {
        args.push(this.#parseKey());
        while (this.#isPunct(",")) {
          this.#next();
          args.push(this.#parseKey());
        }
      }
      const close = this.#expectPunct(")", `to close the arguments of ${name.text}(`);
      return { kind: "call", name: name.text, args, nameEnd: name.end, start, end: close.end };
    }
    const path: string[] = [];
    let end = name.end;
    while (this.#isPunct(".")) {
      this.#next();
      const member = this.#expectIdent("a member name after '.'");
      path.push(member.text);
      end = member.end;
    }
    return { kind: "name", name: name.text, path, start, end };
  }
}

function parseNumber(token: Token): bigint {
  const text = token.text.replaceAll("_", "");
  const [mantissa, exponent] = text.split(/[eE]/);
  return BigInt(mantissa) * 10n ** BigInt(exponent ?? "0");
}

/**
 * Parses the text of one `@custom:reads` / `@custom:writes` tag into storage expressions.
 * @returns one node per comma-separated location, in order.
 * @throws {AnnotationProblem} `empty` for blank text, `syntax` for anything not in the grammar of
 *   the module doc (with the offending offsets and, where useful, a hint).
 */
export function parseAnnotation(text: string): LocationNode[] {
  if (text.trim() === "") {
    throw new AnnotationProblem(
      "empty",
      "empty annotation: expected a comma-separated list of storage locations",
      0,
      text.length,
      "list the locations the function touches, e.g. balanceOf[msg.sender], totalSupply; or remove the tag",
    );
  }
  return new Parser(text, tokenize(text)).parseAnnotation();
}

/**
 * Parses the text of one `@custom:calls` tag: a comma-separated list of calls
 * `[Type(]target[)].function(key, ...)` (keys as inside `[ ]`).
 * @throws {AnnotationProblem} `empty` or `syntax`, as {@link parseAnnotation}.
 */
export function parseCalls(text: string): CallNode[] {
  if (text.trim() === "") {
    throw new AnnotationProblem(
      "empty",
      "empty annotation: expected a comma-separated list of calls",
      0,
      text.length,
      "list the calls into other contracts, e.g. IERC20(asset).transferFrom(msg.sender, this, amount); or remove the tag",
    );
  }
  return new Parser(text, tokenize(text)).parseCalls();
}

/** Canonical text of a call, e.g. `IERC20(asset).transfer(to, amount)`. */
export function formatCall(call: CallNode): string {
  const target =
    call.type === undefined ? call.target.name : `${call.type.name}(${call.target.name})`;
  return `${formatGuards(call.guards)}${target}.${call.function.name}(${call.args.map(formatKey).join(", ")})`;
}

/** `cond ? ` / `!cond ? ` per guard (empty without guards). */
export function formatGuards(guards: readonly GuardNode[] | undefined): string {
  return (guards ?? [])
    .map((guard) => `${guard.negate ? "!" : ""}${formatLocation(guard.location)} ? `)
    .join("");
}

/** Canonical text of a key (single spaces after commas, no other whitespace). */
export function formatKey(key: KeyNode): string {
  switch (key.kind) {
    case "any":
      return "*";
    case "number":
      return key.text;
    case "hex":
      return key.text;
    case "bool":
      return String(key.value);
    case "string":
      return JSON.stringify(key.value);
    case "sender":
      return "msg.sender";
    case "origin":
      return "tx.origin";
    case "this":
      return "this";
    case "name":
      return [key.name, ...key.path].join(".");
    case "call":
      return `${key.name}(${key.args.map(formatKey).join(", ")})`;
  }
}

/** Canonical text of a location, e.g. `positions[msg.sender].debt`. */
export function formatLocation(location: LocationNode): string {
  return (
    location.variable +
    location.accessors
      .map((a) => (a.kind === "member" ? `.${a.name}` : `[${formatKey(a.key)}]`))
      .join("")
  );
}
