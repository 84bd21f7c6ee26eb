/**
 * Corpus of bad annotations (test/fixtures/bad-annotations/BadAnnotations.sol, compiled
 * in-process): each must be rejected with the expected code, message, hint and source position.
 * Expected lines and columns are found by searching the fixture's text, not hard-coded.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

import { expect } from "chai";

import {
  type AnnotationError,
  type AnnotationErrorCode,
  buildAccessManifests,
} from "../../sdk/access/index.ts";
import { compileFiles, ROOT } from "./helpers.ts";

const FILE = "test/fixtures/bad-annotations/BadAnnotations.sol";

interface Expectation {
  /** Function name, or `contract:<Name>` for a contract-level annotation. */
  where: string;
  code: AnnotationErrorCode;
  message: string;
  /** Substring of the hint (undefined: no hint expected). */
  hint?: string;
  /** Unique text of the source line the error must point at. */
  at: string;
  /** Text at the error's column on that line (undefined: only checked to be after the tag). */
  token?: string;
  /** Take the last occurrence of `token` on the line. */
  last?: boolean;
}

const corpus: Expectation[] = [
  {
    where: "syntaxUnclosed",
    code: "syntax",
    message: `expected ']' to close "balanceOf[", found the end of the annotation`,
    at: "balanceOf[to\n",
  },
  {
    where: "syntaxEmptyKey",
    code: "syntax",
    message: "empty '[ ]': expected a key",
    hint: "use [*] for any key",
    at: "balanceOf[]",
    token: "[]",
  },
  {
    where: "syntaxMissingComma",
    code: "syntax",
    message: `expected ',' or the end of the annotation, found "totalSupply"`,
    hint: "separate locations with commas",
    at: "balanceOf[to] totalSupply",
    token: "totalSupply",
  },
  {
    where: "syntaxTrailingComma",
    code: "syntax",
    message: "expected a state variable name, found the end of the annotation",
    hint: "remove the trailing comma",
    at: "writes totalSupply,\n    function syntaxTrailingComma",
  },
  {
    where: "syntaxBadCharacter",
    code: "syntax",
    message: "unexpected character '#'",
    hint: "state variable followed by",
    at: "totalSupply#",
    token: "#",
  },
  {
    where: "syntaxUnterminatedString",
    code: "syntax",
    message: "unterminated string literal",
    hint: 'close it with "',
    at: '["abc]',
    token: '"abc]',
  },
  {
    where: "emptyAnnotation",
    code: "empty",
    message: "empty annotation: expected a comma-separated list of storage locations",
    hint: "or remove the tag",
    at: "@custom:reads\n    function emptyAnnotation",
  },
  {
    where: "unknownVariable",
    code: "unknown-variable",
    message: 'unknown state variable "balanceof" of BadAnnotations',
    hint: 'did you mean "balanceOf"?',
    at: "balanceof[to]",
    token: "balanceof",
  },
  {
    where: "unknownParameter",
    code: "unknown-parameter",
    message: 'unknown parameter "too"',
    hint: 'did you mean "to"? the parameters of unknownParameter(address) are: to',
    at: "balanceOf[too]",
    token: "too",
  },
  {
    where: "stateVariableAsKey",
    code: "unknown-parameter",
    message: 'unknown parameter "totalSupply"',
    hint: '"totalSupply" is a state variable, not a parameter',
    at: "balanceOf[totalSupply]",
    token: "totalSupply]",
  },
  {
    where: "indexValueType",
    code: "not-indexable",
    message: "totalSupply is a uint256, not a mapping or an array; it cannot be indexed",
    hint: "remove [0]",
    at: "totalSupply[0]",
    token: "[0]",
  },
  {
    where: "tooManyIndices",
    code: "not-indexable",
    message: "balanceOf[to] is a uint256, not a mapping or an array; it cannot be indexed",
    hint: "too many [ ]",
    at: "balanceOf[to][to]",
    token: "[to]",
    last: true,
  },
  {
    where: "memberOfValueType",
    code: "no-members",
    message: 'totalSupply is a uint256, which has no member "x"',
    at: "totalSupply.x",
    token: ".x",
  },
  {
    where: "unknownMember",
    code: "unknown-member",
    message: 'struct BadAnnotations.Position has no member "debit"',
    hint: 'did you mean "debt"? the members of struct BadAnnotations.Position are: collateral, debt',
    at: "positions[to].debit",
    token: "debit",
  },
  {
    where: "keyTypeMismatch",
    code: "key-type",
    message: "parameter amount is a uint256, but balanceOf is keyed by address",
    at: "balanceOf[amount]",
    token: "amount",
  },
  {
    where: "addressAsIndex",
    code: "key-type",
    message:
      "parameter to is an address, but an index of fixedArr (uint256[3]) must be an unsigned integer",
    at: "fixedArr[to]",
    token: "to]",
  },
  {
    where: "shardOnMapping",
    code: "key-function-target",
    message:
      "shard() indexes a fixed-size array, but balanceOf (mapping(address => uint256)) is a mapping",
    hint: "supply.shards[shard(msg.sender)]",
    at: "balanceOf[shard(msg.sender)]",
    token: "shard(",
  },
  {
    where: "shardArity",
    code: "key-function",
    message: "shard() takes 1 argument, got 2",
    hint: "uint256(keccak256(abi.encode(x))) % N",
    at: "shards[shard(msg.sender, to)]",
    token: "shard(",
  },
  {
    where: "unknownKeyFunction",
    code: "key-function",
    message: 'unknown key function "hash"',
    hint: "known key functions: shard()",
    at: "shards[hash(msg.sender)]",
    token: "hash",
  },
  {
    where: "literalOutOfRange",
    code: "index-range",
    message: "index 3 is out of range for fixedArr (uint256[3], length 3)",
    hint: "valid indices are 0 to 2",
    at: "fixedArr[3]",
    token: "3]",
  },
  {
    where: "msgValueKey",
    code: "syntax",
    message: "msg.value cannot be a key; only msg.sender and tx.origin can",
    hint: "a key is a parameter, msg.sender, tx.origin, this, a literal, * or a key function",
    at: "balanceOf[msg.value]",
    token: "msg.value",
  },
  {
    where: "viewWrites",
    code: "view-writes",
    message: "viewWrites() is view, so it cannot write storage",
    hint: "use @custom:reads",
    at: "writes totalSupply\n    function viewWrites",
    token: "totalSupply",
  },
  {
    where: "memberOfMapping",
    code: "no-members",
    message: 'balanceOf is a mapping(address => uint256), which has no member "x"',
    hint: "index it instead: balanceOf[key]",
    at: "balanceOf.x",
    token: ".x",
  },
  {
    where: "indexBytes",
    code: "not-indexable",
    message: "data is bytes; indexing bytes in storage is not supported",
    hint: "declare the whole variable: data",
    at: "data[0]",
    token: "[0]",
  },
  {
    where: "boolAsAddress",
    code: "key-type",
    message: "true is a bool, but balanceOf is keyed by address",
    at: "balanceOf[true]",
    token: "true",
  },
  {
    where: "constantVariable",
    code: "unknown-variable",
    message: 'unknown state variable "FEE" of BadAnnotations',
    hint: '"FEE" is a constant variable, which is not in storage',
    at: "@custom:reads FEE",
    token: "FEE",
  },
  {
    where: "transientVariable",
    code: "unknown-variable",
    message: 'unknown state variable "lock" of BadAnnotations',
    hint: '"lock" is a transient variable, which is not in storage',
    at: "@custom:writes lock",
    token: "lock",
  },
  {
    where: "literalTooLarge",
    code: "key-type",
    message: "the literal 256 does not fit uint8, the key type of small",
    at: "small[256]",
    token: "256",
  },
  {
    where: "fixedArrayLength",
    code: "no-members",
    message: 'fixedArr is a uint256[3], which has no member "length"',
    hint: "the length of a fixed-size array is not stored",
    at: "fixedArr.length",
    token: ".length",
  },
  {
    where: "misspelledTag",
    code: "unknown-tag",
    message: "unknown tag @custom:write",
    hint: "did you mean @custom:writes?",
    at: "@custom:write totalSupply",
    token: "totalSupply",
  },
  {
    where: "structAsKey",
    code: "key-type",
    message: "parameter o is a struct; a key must be a single value",
    hint: "name one of its members, e.g. o.maker",
    at: "balanceOf[o]",
    token: "o]",
  },
  {
    where: "errorOnSecondLine",
    code: "unknown-parameter",
    message: 'unknown parameter "nobody"',
    hint: "the parameters of errorOnSecondLine(address) are: to",
    at: "balanceOf[nobody]",
    token: "nobody",
  },
  {
    where: "bytesLiteralTooLong",
    code: "key-type",
    message: "the hex literal 0x1234567890 (5 bytes) does not fit bytes4, the key type of bySig",
    hint: "at most 8 digits",
    at: "bySig[0x1234567890]",
    token: "0x1234567890",
  },
  {
    where: "shortAddressLiteral",
    code: "key-type",
    message: "the literal 0x1234 is a uint256, but balanceOf is keyed by address",
    hint: "0x followed by 40 hex digits",
    at: "balanceOf[0x1234]",
    token: "0x1234",
  },
  {
    where: "locationStartsWithMsg",
    code: "unknown-variable",
    message: 'unknown state variable "msg" of BadAnnotations',
    hint: "msg.sender, tx.origin and this can only be keys",
    at: "writes msg[0]",
    token: "msg[0]",
  },
  {
    where: "secondTagBad",
    code: "key-type",
    message:
      "parameter to is an address, but an index of dynArr (uint256[]) must be an unsigned integer",
    at: "@custom:reads dynArr[to]",
    token: "to]",
  },
  {
    where: "fromInterface",
    code: "unknown-parameter",
    message: 'unknown parameter "recipient"',
    hint: "the parameters of fromInterface(address) are: to",
    at: "balanceOf[recipient]",
    token: "recipient",
  },
  {
    where: "contract:BadContractLevel",
    code: "contract-level-parameter",
    message:
      '"owner" cannot be a key in a contract-level annotation: it applies to every function, so there are no parameters',
    hint: "use msg.sender, tx.origin, this, a literal or *",
    at: "@custom:reads balanceOf[owner]",
    token: "owner]",
  },
  {
    where: "callUnknownFunction",
    code: "call-function",
    message: `IBadToken has no function "trasfer"`,
    hint: "transfer",
    at: "IBadToken(t).trasfer(t, amount)",
    token: "trasfer",
  },
  {
    where: "callArgumentCount",
    code: "call-function",
    message: "IBadToken.transfer takes 2 arguments, got 1",
    hint: "transfer(address,uint256)",
    at: "IBadToken(t).transfer(t)\n",
    token: "IBadToken",
  },
  {
    where: "callArgumentType",
    code: "key-type",
    message:
      "parameter amount is a uint256, but argument 1 (to) of transfer(address,uint256) is an address",
    at: "IBadToken(t).transfer(amount, t)",
    token: "amount",
  },
  {
    where: "callUntypedTarget",
    code: "call-target",
    message: "t is an address, so the function it is called with is unknown",
    hint: "IERC20(t).transfer(...)",
    at: "@custom:calls t.transfer(t, 1)",
    token: "t.transfer",
  },
  {
    where: "callUnknownTarget",
    code: "call-target",
    message: `unknown callee "nowhere": not a parameter or state variable of BadAnnotations`,
    hint: "an immutable, a constant, a state variable or a parameter",
    at: "IBadToken(nowhere)",
    token: "nowhere",
  },
  {
    where: "callUnknownType",
    code: "call-function",
    message: `unknown contract or interface "IBadTokn"`,
    hint: "IBadToken",
    at: "IBadTokn(t)",
    token: "IBadTokn",
  },
  {
    where: "callUnclosed",
    code: "syntax",
    message: "expected ')' to close the arguments of transfer(, found the end of the annotation",
    at: "IBadToken(t).transfer(t, 1\n",
  },
  {
    where: "callMisspeltTag",
    code: "unknown-tag",
    message: "unknown tag @custom:call",
    hint: "did you mean @custom:calls?",
    at: "@custom:call IBadToken",
  },
  {
    where: "guardNotBool",
    code: "key-type",
    message: "the condition amount is a parameter of type uint256, not a bool",
    at: "amount ? totalSupply",
    token: "amount",
  },
];

describe("bad annotations", function () {
  this.timeout(120_000);
  const source = readFileSync(path.join(ROOT, FILE), "utf8");
  let errors: AnnotationError[];
  let manifests: string[];

  before(() => {
    const { input, output } = compileFiles([FILE]);
    const result = buildAccessManifests(input, output);
    errors = result.errors;
    manifests = result.manifests.map((m) => m.contractName);
  });

  it("has a corpus of at least 20 distinct bad annotations", () => {
    expect(corpus.length).to.be.at.least(20);
    expect(new Set(corpus.map((c) => c.where)).size).to.equal(corpus.length);
  });

  it("reports exactly one error per bad annotation, and no manifest for a contract with errors", () => {
    expect(errors.map((e) => `${e.function ?? "contract"}: ${e.detail}`)).to.have.length(
      corpus.length,
    );
    expect(manifests).to.deep.equal([]);
  });

  for (const c of corpus) {
    it(`${c.where}: ${c.message}`, () => {
      const matching = errors.filter((e) =>
        c.where.startsWith("contract:")
          ? e.function === undefined && e.contract === c.where.slice("contract:".length)
          : e.function?.startsWith(`${c.where}(`),
      );
      expect(matching, `errors of ${c.where}`).to.have.length(1);
      const [error] = matching;
      expect(error.code).to.equal(c.code);
      expect(error.detail).to.equal(c.message);
      if (c.hint === undefined) expect(error.hint).to.equal(undefined);
      else expect(error.hint).to.include(c.hint);
      expect(error.file).to.equal(FILE);

      // The line (and column) are those of the offending text in the source.
      const offset = source.indexOf(c.at);
      expect(offset, `"${c.at}" in the fixture`).to.be.greaterThan(-1);
      expect(source.indexOf(c.at, offset + 1), `"${c.at}" is unique`).to.equal(-1);
      const line = source.slice(0, offset).split("\n").length;
      expect(error.line, "line").to.equal(line);
      const lineText = source.split("\n")[line - 1];
      if (c.token !== undefined) {
        const column = c.last === true ? lineText.lastIndexOf(c.token) : lineText.indexOf(c.token);
        expect(column, `"${c.token}" on line ${line}`).to.be.greaterThan(-1);
        expect(error.column, `column of ${c.token}`).to.equal(column + 1);
      } else {
        expect(error.column).to.be.greaterThan(lineText.indexOf("@") + 1);
      }

      // The formatted report names the place, the annotation, the problem and the hint.
      const report = error.format();
      expect(report).to.include(`${FILE}:${error.line}:${error.column}:`);
      expect(report).to.include(error.annotation);
      expect(report).to.include(c.message);
      if (c.hint !== undefined) expect(report).to.include(`hint: ${error.hint}`);
    });
  }
});
