/** The annotation language's tokenizer and recursive-descent parser. */
import { expect } from "chai";

import { AnnotationProblem, formatLocation, parseAnnotation } from "../../sdk/access/index.ts";

function problem(text: string): AnnotationProblem {
  try {
    parseAnnotation(text);
  } catch (error) {
    if (error instanceof AnnotationProblem) return error;
    throw error;
  }
  throw new Error(`"${text}" parsed`);
}

describe("annotation parser", () => {
  it("parses every key form and prints it back canonically", () => {
    const text =
      "totalSupply, balanceOf[msg.sender] ,allowance[ tx.origin ][to], positions[this].debt, balanceOf[address(this)]," +
      " fixedArr[2], bySigned[-5], big[1_000e18], byHash[0xAbC0], byFlag[true], byName['al\\'ice'], byName[\"bob\"]," +
      " supply.shards[shard(msg.sender)], allowance[*][*], orders[o.maker], f[g(1, x.y)]";
    const printed = parseAnnotation(text).map(formatLocation);
    expect(printed).to.deep.equal([
      "totalSupply",
      "balanceOf[msg.sender]",
      "allowance[tx.origin][to]",
      "positions[this].debt",
      "balanceOf[this]",
      "fixedArr[2]",
      "bySigned[-5]",
      "big[1_000e18]",
      "byHash[0xAbC0]",
      "byFlag[true]",
      'byName["al\'ice"]',
      'byName["bob"]',
      "supply.shards[shard(msg.sender)]",
      "allowance[*][*]",
      "orders[o.maker]",
      "f[g(1, x.y)]",
    ]);
  });

  it("evaluates number literals (underscores, exponents, negatives)", () => {
    const [location] = parseAnnotation("m[1_000e18], m[-42]");
    const key = location.accessors[0];
    expect(key.kind === "index" && key.key.kind === "number" ? key.key.value : undefined).to.equal(
      10n ** 21n,
    );
    const [, negative] = parseAnnotation("m[1_000e18], m[-42]");
    const negativeKey = negative.accessors[0];
    expect(
      negativeKey.kind === "index" && negativeKey.key.kind === "number"
        ? negativeKey.key.value
        : undefined,
    ).to.equal(-42n);
  });

  it("records character offsets of every node", () => {
    const text = "a,\n  balanceOf[ msg.sender ].x";
    const [, location] = parseAnnotation(text);
    expect(text.slice(location.start, location.end)).to.equal("balanceOf[ msg.sender ].x");
    expect(text.slice(location.variableSpan.start, location.variableSpan.end)).to.equal(
      "balanceOf",
    );
    const [index, member] = location.accessors;
    expect(text.slice(index.start, index.end)).to.equal("[ msg.sender ]");
    if (index.kind !== "index") throw new Error("expected an index");
    expect(text.slice(index.key.start, index.key.end)).to.equal("msg.sender");
    expect(text.slice(member.start, member.end)).to.equal(".x");
  });

  const bad: Array<[string, string, number]> = [
    ["", "empty annotation: expected a comma-separated list of storage locations", 0],
    ["   \n ", "empty annotation: expected a comma-separated list of storage locations", 0],
    ["a[", "expected a key, found the end of the annotation", 2],
    ["a[b", `expected ']' to close "a[", found the end of the annotation`, 3],
    ["a[b c]", `expected ']' to close "a[", found "c"`, 4],
    ["a b", `expected ',' or the end of the annotation, found "b"`, 2],
    ["a,", "expected a state variable name, found the end of the annotation", 2],
    [",a", "expected a state variable name, found ','", 0],
    ["a.", "expected a member name after '.', found the end of the annotation", 2],
    ["a.[b]", "expected a member name after '.', found '['", 2],
    ["a[b[c]]", `expected ']' to close "a[", found '['`, 3],
    ["a[[b]]", "keys cannot be storage locations", 2],
    ["a[msg]", "expected '.sender' after msg", 2],
    ["a[tx.gasprice]", "tx.gasprice cannot be a key; only msg.sender and tx.origin can", 2],
    ["a[address(b)]", "address(b) is not supported; only address(this) is", 2],
    ["a[f(b]", "expected ')' to close the arguments of f(, found ']'", 5],
    ["a[-b]", `expected a number after '-', found "b"`, 3],
    ["a[0x]", "a hex literal needs digits after 0x", 2],
    ["a[0x12g]", "invalid hex digit 'g'", 6],
    ["a[12ab]", "invalid number: unexpected 'a'", 4],
    ["a['x]", "unterminated string literal", 2],
    ["a['\\q']", "invalid escape sequence in string literal", 3],
    ["a;b", "unexpected character ';'", 1],
  ];
  for (const [text, message, offset] of bad) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      const error = problem(text);
      expect(error.message).to.equal(message);
      expect(error.start).to.equal(offset);
      expect(error.code).to.equal(text.trim() === "" ? "empty" : "syntax");
    });
  }
});
