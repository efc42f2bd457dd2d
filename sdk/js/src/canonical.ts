// canonical(document) (docs/certificates.md, "canonical(document)";
// client::canonical_json): a strict JSON reader that refuses duplicate
// member names, fractional and exponent numbers, integers beyond 2^53-1 and
// lone surrogates, and the writer of the one canonical form (RFC 8785 for
// such documents).
import { compareBytes, FormatError, utf8 } from "./bytes.js";

export type JsonValue = null | boolean | string | JsonInteger | JsonValue[] | JsonObject;
export interface JsonInteger {
  integer: string; // decimal text, canonical
}
export interface JsonObject {
  members: [string, JsonValue][];
}

const safeMax = 2n ** 53n - 1n;

class Parser {
  private position = 0;
  private depth = 0;
  constructor(private readonly text: string) {}

  parseDocument(): JsonValue {
    const value = this.value();
    this.space();
    if (this.position !== this.text.length) this.fail("text after the JSON value");
    return value;
  }
  private fail(message: string): never {
    throw new FormatError(`not valid JSON at character ${this.position}: ${message}`);
  }
  private space(): void {
    while (this.position < this.text.length && " \t\n\r".includes(this.text[this.position])) this.position++;
  }
  private value(): JsonValue {
    this.space();
    const character = this.text[this.position];
    if (character === "{") return this.nested(() => this.object());
    if (character === "[") return this.nested(() => this.array());
    if (character === '"') return this.string();
    if (character === "-" || (character >= "0" && character <= "9")) return this.number();
    for (const [word, result] of [["true", true], ["false", false], ["null", null]] as const)
      if (this.text.startsWith(word, this.position)) {
        this.position += word.length;
        return result;
      }
    return this.fail("unexpected character");
  }
  private nested<T>(read: () => T): T {
    if (++this.depth > 256) this.fail("nested more than 256 deep");
    const result = read();
    this.depth--;
    return result;
  }
  private object(): JsonObject {
    this.position++;
    const members: [string, JsonValue][] = [];
    const names = new Set<string>();
    this.space();
    if (this.text[this.position] === "}") {
      this.position++;
      return { members };
    }
    for (;;) {
      this.space();
      if (this.text[this.position] !== '"') this.fail("a member name must be a string");
      const name = this.string();
      if (names.has(name)) throw new FormatError("the document has a member name twice in one object");
      names.add(name);
      this.space();
      if (this.text[this.position++] !== ":") this.fail("':' expected");
      members.push([name, this.value()]);
      this.space();
      const next = this.text[this.position++];
      if (next === "}") return { members };
      if (next !== ",") this.fail("',' or '}' expected");
    }
  }
  private array(): JsonValue[] {
    this.position++;
    const values: JsonValue[] = [];
    this.space();
    if (this.text[this.position] === "]") {
      this.position++;
      return values;
    }
    for (;;) {
      values.push(this.value());
      this.space();
      const next = this.text[this.position++];
      if (next === "]") return values;
      if (next !== ",") this.fail("',' or ']' expected");
    }
  }
  private string(): string {
    this.position++;
    let out = "";
    for (;;) {
      if (this.position >= this.text.length) this.fail("unterminated string");
      const character = this.text[this.position++];
      if (character === '"') break;
      if (character < " ") this.fail("a control character inside a string");
      if (character !== "\\") {
        out += character;
        continue;
      }
      const escape = this.text[this.position++];
      const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
      if (escape in simple) out += simple[escape];
      else if (escape === "u") {
        const hex = this.text.substr(this.position, 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail("bad \\u escape");
        this.position += 4;
        out += String.fromCharCode(parseInt(hex, 16));
      } else this.fail("bad escape");
    }
    if (!isWellFormed(out)) throw new FormatError("the document is not valid UTF-8 (a lone surrogate)");
    return out;
  }
  private number(): JsonInteger {
    const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.text.slice(this.position));
    if (match === null) return this.fail("bad number");
    this.position += match[0].length;
    if (match[2] !== undefined || match[3] !== undefined)
      throw new FormatError("the document contains a fractional number; use an integer or a string");
    const value = BigInt(match[0]);
    if (value > safeMax) throw new FormatError("the document contains an integer above 2^53-1; use a string");
    if (value < -safeMax) throw new FormatError("the document contains an integer below -(2^53-1); use a string");
    return { integer: value.toString() };
  }
}

function isWellFormed(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (code >= 0xdc00 && code <= 0xdfff) return false;
  }
  return true;
}

export function parseStrictJson(text: string): JsonValue {
  return new Parser(text).parseDocument();
}

function writeString(text: string): string {
  let out = '"';
  for (const character of text) {
    const code = character.codePointAt(0)!;
    if (character === '"') out += '\\"';
    else if (character === "\\") out += "\\\\";
    else if (character === "\b") out += "\\b";
    else if (character === "\t") out += "\\t";
    else if (character === "\n") out += "\\n";
    else if (character === "\f") out += "\\f";
    else if (character === "\r") out += "\\r";
    else if (code < 0x20) out += "\\u" + code.toString(16).padStart(4, "0");
    else out += character;
  }
  return out + '"';
}

export function writeCanonical(value: JsonValue): string {
  if (value === null) return "null";
  if (value === true) return "true";
  if (value === false) return "false";
  if (typeof value === "string") return writeString(value);
  if (Array.isArray(value)) return "[" + value.map(writeCanonical).join(",") + "]";
  if ("integer" in value) return value.integer;
  const members = [...value.members].sort((left, right) => compareBytes(utf8(left[0]), utf8(right[0])));
  return "{" + members.map(([name, member]) => writeString(name) + ":" + writeCanonical(member)).join(",") + "}";
}

/** client::canonical_json: the canonical text of a JSON object document. */
export function canonicalJson(text: string): string {
  const value = parseStrictJson(text);
  if (value === null || typeof value !== "object" || Array.isArray(value) || "integer" in value)
    throw new FormatError("a document must be a JSON object");
  return writeCanonical(value);
}

/** A member of a parsed object, or undefined. */
export function member(value: JsonValue, name: string): JsonValue | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value) || "integer" in value) return undefined;
  const found = value.members.find(([key]) => key === name);
  return found === undefined ? undefined : found[1];
}

/** A parsed value as plain JavaScript (integers as numbers), for display. */
export function toPlain(value: JsonValue): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(toPlain);
  if ("integer" in value) return Number(value.integer);
  return Object.fromEntries(value.members.map(([name, member]) => [name, toPlain(member)]));
}
