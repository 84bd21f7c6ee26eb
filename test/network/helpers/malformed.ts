/**
 * Generator of malformed JSON-RPC requests for the bad-input suite (`bad-input.test.ts`), built on
 * fast-check. Every generated request is invalid for a syntactic reason: an unknown method, too
 * few or too many parameters, a parameter of the wrong type or format (bad hex, wrong length,
 * numbers above 2^256 or 2^64, negative or fractional numbers, wrong JSON types), or an object of
 * the wrong shape or with a bad field. Semantic failures that depend on chain state (a future
 * block, a missing snapshot) are avoided, so every request must be rejected on any chain.
 *
 * Calibrated against EDR (Hardhat 3.18). EDR *accepts* these looser forms, so they are never
 * generated: upper-case hex in addresses, quantities with leading zeros (`0x01`), `0x` as a
 * quantity, a storage slot without `0x` (`"12"`), `null` for an optional block tag, a missing
 * optional block tag, unknown extra fields in call/transaction objects, and an `eth_call` third
 * parameter (state overrides). Some leniencies are method-specific, so they are avoided
 * everywhere: addresses and hashes without `0x` or with `0X` (accepted by `hardhat_setCoinbase`,
 * `eth_call`'s `to`, the hash lookups), positive JSON numbers as quantities or block numbers
 * (accepted by `eth_getBlockByNumber`, `hardhat_mine`, `hardhat_setNextBlockBaseFeePerGas`), `""`
 * as a block tag (`eth_getBlockByNumber` reads it as latest) or snapshot id, a JSON array as
 * `data` (read as bytes), the `nonce` of a call object (ignored by `eth_call`/`eth_estimateGas`),
 * and extra `evm_mine` params that parse as timestamps.
 */
import fc from "fast-check";

/** A request as passed to `provider.request`. */
export interface MalformedRequest {
  method: string;
  params: unknown[];
  /** How it was made malformed, e.g. `wrong-type param 0 (address)`; used in failure reports. */
  defect: string;
}

/** Kinds of parameter, each with its own valid value and list of invalid ones. */
type Kind =
  | "address"
  | "quantity"
  | "u64"
  | "slot"
  | "blockTag"
  | "hash"
  | "data"
  | "data32"
  | "rawTx"
  | "bool"
  | "timestamp"
  | "snapshotId"
  | "percentiles"
  | "callObject"
  | "txObject"
  | "filterObject";

interface MethodSpec {
  method: string;
  params: Kind[];
  /** Number of leading params that are required (the rest are optional). */
  required: number;
  /** Largest number of params accepted (≥ params.length when extra optional params exist). */
  max?: number;
  /** Extra params may be accepted: never generate "too many params" for this method. */
  variadic?: true;
}

const DEV0 = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
const DEV1 = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";

/** The methods mutated, with their parameter kinds (EDR's arity). */
export const METHOD_SPECS: readonly MethodSpec[] = [
  { method: "eth_getBalance", params: ["address", "blockTag"], required: 1 },
  { method: "eth_getTransactionCount", params: ["address", "blockTag"], required: 1 },
  { method: "eth_getCode", params: ["address", "blockTag"], required: 1 },
  { method: "eth_getStorageAt", params: ["address", "slot", "blockTag"], required: 2 },
  { method: "eth_call", params: ["callObject", "blockTag"], required: 1, max: 3 },
  { method: "eth_estimateGas", params: ["callObject", "blockTag"], required: 1, max: 3 },
  { method: "eth_getBlockByNumber", params: ["blockTag", "bool"], required: 2 },
  { method: "eth_getBlockByHash", params: ["hash", "bool"], required: 2 },
  { method: "eth_getTransactionByHash", params: ["hash"], required: 1 },
  { method: "eth_getTransactionReceipt", params: ["hash"], required: 1 },
  { method: "eth_sendRawTransaction", params: ["rawTx"], required: 1 },
  { method: "eth_sendTransaction", params: ["txObject"], required: 1 },
  { method: "eth_getLogs", params: ["filterObject"], required: 1 },
  { method: "eth_feeHistory", params: ["u64", "blockTag", "percentiles"], required: 3 },
  { method: "eth_blockNumber", params: [], required: 0 },
  { method: "eth_chainId", params: [], required: 0 },
  { method: "eth_accounts", params: [], required: 0 },
  { method: "eth_gasPrice", params: [], required: 0 },
  { method: "net_version", params: [], required: 0 },
  { method: "web3_clientVersion", params: [], required: 0 },
  { method: "evm_snapshot", params: [], required: 0 },
  { method: "evm_setNextBlockTimestamp", params: ["timestamp"], required: 1 },
  // EDR accepts any number of extra evm_mine params that parse as timestamps ([ts, "0x1", 5]).
  { method: "evm_mine", params: ["timestamp"], required: 0, variadic: true },
  { method: "evm_increaseTime", params: ["timestamp"], required: 1 },
  { method: "evm_revert", params: ["snapshotId"], required: 1 },
  { method: "evm_setAutomine", params: ["bool"], required: 1 },
  { method: "hardhat_setBalance", params: ["address", "quantity"], required: 2 },
  { method: "hardhat_setCode", params: ["address", "data"], required: 2 },
  { method: "hardhat_setNonce", params: ["address", "u64"], required: 2 },
  { method: "hardhat_setStorageAt", params: ["address", "quantity", "data32"], required: 3 },
  { method: "hardhat_impersonateAccount", params: ["address"], required: 1 },
  { method: "hardhat_stopImpersonatingAccount", params: ["address"], required: 1 },
  { method: "hardhat_mine", params: ["u64", "u64"], required: 0 },
  { method: "hardhat_setCoinbase", params: ["address"], required: 1 },
  { method: "hardhat_setNextBlockBaseFeePerGas", params: ["quantity"], required: 1 },
  { method: "hardhat_setPrevRandao", params: ["hash"], required: 1 },
  { method: "hardhat_dropTransaction", params: ["hash"], required: 1 },
];

const hexDigits = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: min, maxLength: max });

/** Strings that are not hex: contain at least one non-hex character. */
const nonHex = fc
  .string({ minLength: 1, maxLength: 20 })
  .filter(
    (s) =>
      /[^0-9a-fA-F]/.test(s.replace(/^0x/, "")) &&
      s.trim() === s &&
      s !== "" &&
      !/^(latest|earliest|pending|safe|finalized)$/.test(s),
  );

/** JSON values of the wrong type for any string parameter. */
const wrongJsonType = fc.oneof(
  fc.boolean(),
  fc.integer({ min: -1_000_000, max: -1 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
  fc.constant({}),
  fc.constant([]),
  fc.array(fc.constant("0x1"), { minLength: 1, maxLength: 3 }),
);

/** {@link wrongJsonType} without arrays (EDR reads a JSON array of numbers as bytes). */
const scalarWrongJsonType = fc.oneof(
  fc.boolean(),
  fc.integer({ min: -1_000_000, max: -1 }),
  fc.constant({}),
);

const validAddress = fc.constantFrom(DEV0, DEV1, "0x000000000000000000000000000000000000dead");
const validHash = hexDigits(64, 64).map((h) => `0x${h}`);

/** Invalid values per kind (each must be rejected where that kind is expected). */
const BAD: Record<Kind, fc.Arbitrary<unknown>> = {
  address: fc.oneof(
    hexDigits(1, 39).map((h) => `0x${h}`),
    hexDigits(41, 80).map((h) => `0x${h}`),
    fc.constant(`0x${"zz".repeat(20)}`),
    nonHex,
    fc.constant(""),
    wrongJsonType,
  ),
  quantity: fc.oneof(
    hexDigits(65, 100).map((h) => `0x1${h}`), // above 2^256
    fc.constantFrom("0xzz", "0x-1", "-0x1", "0x1.5", "0x 1", "1e18", "0xg"),
    nonHex,
    wrongJsonType,
  ),
  u64: fc.oneof(
    hexDigits(16, 40).map((h) => `0x1${h}`), // above 2^64
    fc.constantFrom("0xzz", "0x-1", "-0x1", "0x1.5", "0xg"),
    nonHex,
    wrongJsonType,
  ),
  slot: fc.oneof(
    hexDigits(65, 100).map((h) => `0x1${h}`),
    fc.constantFrom("0xzz", "0x-1", "0xg"),
    wrongJsonType,
  ),
  blockTag: fc.oneof(
    fc.constantFrom("latst", "Latest ", "earliest1", "0xzz", "0x-1", "pendingg", "0x1.5"),
    hexDigits(17, 80).map((h) => `0x1${h}`), // above 2^64
    fc.constant({ blockHash: "0x12" }),
    fc.constant({ blockNumber: "0xzz" }),
    fc.constant({}),
    fc.boolean(),
    fc.integer({ min: -1_000_000, max: -1 }),
    fc.constant([]),
  ),
  hash: fc.oneof(
    hexDigits(1, 63).map((h) => `0x${h}`),
    hexDigits(65, 100).map((h) => `0x${h}`),
    fc.constant(`0x${"zz".repeat(32)}`),
    nonHex,
    wrongJsonType,
  ),
  data: fc.oneof(
    hexDigits(1, 21)
      .filter((h) => h.length % 2 === 1)
      .map((h) => `0x${h}`), // odd number of digits
    fc.constantFrom("0xzz", "zz", "0x0g", "0x 12"),
    nonHex,
    scalarWrongJsonType,
  ),
  data32: fc.oneof(
    hexDigits(1, 31).map((h) => `0x${h.length % 2 === 1 ? `0${h}` : h}`), // fewer than 32 bytes
    hexDigits(33, 40).map((h) => `0x${h.padEnd(66, "0")}`), // more than 32 bytes
    fc.constantFrom("0xzz"),
    wrongJsonType,
  ),
  rawTx: fc.oneof(
    fc
      .uint8Array({ minLength: 1, maxLength: 64 })
      .map((b) => `0x${Buffer.from(b).toString("hex")}`),
    fc.constantFrom("0x", "0xzz", "0x123", "zz", "0xc0", "0x02c0", "0x01c0", "0xf800"),
    wrongJsonType,
  ),
  bool: fc.oneof(
    fc.constantFrom("true", "false", "0x1", "0x0", "yes", ""),
    fc.integer({ min: -5, max: 5 }),
    fc.constant({}),
    fc.constant([]),
  ),
  timestamp: fc.oneof(
    fc.integer({ min: -1_000_000, max: -1 }),
    fc.double({ min: 0.1, max: 1e9, noNaN: true }).filter((d) => !Number.isInteger(d)),
    hexDigits(17, 40).map((h) => `0x1${h}`), // above 2^64
    fc.constantFrom("0xzz", "abc", "-1", "0x-1"),
    fc.boolean(),
    fc.constant({}),
    fc.constant([]),
  ),
  snapshotId: fc.oneof(
    fc.constantFrom("abc", "0xzz", "0x-1"),
    hexDigits(17, 40).map((h) => `0x1${h}`),
    fc.boolean(),
    fc.constant({}),
    fc.constant([]),
  ),
  percentiles: fc.oneof(
    fc.constant([101]),
    fc.constant([-1]),
    fc.constant(["x"]),
    fc.constant("50"),
    fc.constant({}),
    fc.integer(),
  ),
  callObject: fc.constant(null), // replaced by objectDefect below
  txObject: fc.constant(null),
  filterObject: fc.constant(null),
};

/** A valid value per kind, used for the parameters that are not mutated. */
const GOOD: Record<Kind, fc.Arbitrary<unknown>> = {
  address: validAddress,
  quantity: fc.constantFrom("0x0", "0x1", "0x3e8"),
  u64: fc.constantFrom("0x1", "0x2"),
  slot: fc.constantFrom("0x0", "0x1"),
  blockTag: fc.constantFrom("latest", "earliest", "0x0"),
  hash: validHash,
  data: fc.constantFrom("0x", "0x12", "0xdeadbeef"),
  data32: fc.constant(`0x${"00".repeat(31)}01`),
  rawTx: fc.constant("0x"),
  bool: fc.boolean(),
  timestamp: fc.constant(4_000_000_000),
  snapshotId: fc.constant("0x1"),
  percentiles: fc.constant([25, 75]),
  callObject: fc.constant({ from: DEV0, to: DEV1, data: "0x" }),
  txObject: fc.constant({ from: DEV0, to: DEV1, value: "0x1" }),
  filterObject: fc.constant({ fromBlock: "0x0", toBlock: "latest" }),
};

/** Fields of the object kinds and their value kinds. */
const OBJECT_FIELDS: Record<"callObject" | "txObject" | "filterObject", Record<string, Kind>> = {
  callObject: {
    from: "address",
    to: "address",
    gas: "u64",
    gasPrice: "quantity",
    value: "quantity",
    data: "data",
  },
  txObject: {
    from: "address",
    to: "address",
    gas: "u64",
    gasPrice: "quantity",
    value: "quantity",
    data: "data",
    nonce: "u64",
  },
  filterObject: {
    fromBlock: "blockTag",
    toBlock: "blockTag",
    address: "address",
    blockHash: "hash",
  },
};

const isObjectKind = (k: Kind): k is "callObject" | "txObject" | "filterObject" =>
  k === "callObject" || k === "txObject" || k === "filterObject";

/** A bad value for an object parameter: a non-object, or a base object with one bad field. */
function badObject(
  kind: "callObject" | "txObject" | "filterObject",
): fc.Arbitrary<{ value: unknown; what: string }> {
  const fields = OBJECT_FIELDS[kind];
  const names = Object.keys(fields);
  const notAnObject = fc
    .oneof(
      fc.string({ maxLength: 10 }),
      fc.integer(),
      fc.boolean(),
      fc.constant([]),
      fc.constant([{}]),
    )
    .map((value) => ({ value, what: `${kind} replaced by ${JSON.stringify(value)}` }));
  const badField = fc.constantFrom(...names).chain((field) =>
    fc.tuple(GOOD[kind], badFieldValue(kind, field, fields[field])).map(([base, bad]) => ({
      value: { ...(base as object), [field]: bad },
      what: `${kind}.${field} = ${JSON.stringify(bad)}`,
    })),
  );
  return fc.oneof(notAnObject, badField);
}

function badFieldValue(kind: string, field: string, fieldKind: Kind): fc.Arbitrary<unknown> {
  // A filter's `address` accepts a list of addresses, so an array of valid ones is valid: use
  // scalars and arrays of bad addresses only.
  if (kind === "filterObject" && field === "address") {
    return fc.oneof(
      fc.constantFrom("0x12", "0xzz", `0x${"ab".repeat(21)}`),
      fc.constant(["0x12"]),
      fc.integer(),
      fc.boolean(),
    );
  }
  return BAD[fieldKind];
}

/** Arbitrary of one malformed request. */
export const malformedRequest: fc.Arbitrary<MalformedRequest> = fc.oneof(
  // 1. Unknown methods: real namespaces with a name no client implements ("qz…" never exists).
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom(
          "eth",
          "net",
          "web3",
          "evm",
          "hardhat",
          "debug",
          "txpool",
          "parallel",
          "foo",
        ),
        fc.string({
          unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789"),
          maxLength: 12,
        }),
        fc.array(GOOD.quantity, { maxLength: 2 }),
      )
      .map(([ns, name, params]) => ({
        method: `${ns}_qz${name}`,
        params,
        defect: "unknown method",
      })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        "",
        " ",
        "eth_blockNumber ",
        "ETH_BLOCKNUMBER",
        "eth.blockNumber",
        "eth_",
        "_",
        "rpc.discover",
        "eth_getBalance\u0000",
      )
      .map((method) => ({ method, params: [], defect: "unknown method (odd name)" })),
  },
  // 2. Wrong parameter count.
  {
    weight: 3,
    arbitrary: fc.constantFrom(...METHOD_SPECS.filter((s) => s.required > 0)).chain((spec) =>
      fc.integer({ min: 0, max: spec.required - 1 }).chain((count) =>
        fc.tuple(...spec.params.slice(0, Math.max(count, 0)).map((k) => GOOD[k])).map((params) => ({
          method: spec.method,
          params: params.slice(0, count),
          defect: `too few params (${count} < ${spec.required})`,
        })),
      ),
    ),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(...METHOD_SPECS.filter((s) => s.variadic !== true)).chain((spec) =>
      fc
        .tuple(
          fc.tuple(...spec.params.map((k) => GOOD[k])),
          fc.array(fc.constantFrom<unknown>("latest", "0x1", true, DEV0, {}), {
            minLength: 1,
            maxLength: 3,
          }),
        )
        .map(([params, extra]) => {
          const max = spec.max ?? spec.params.length;
          const padded = [...params];
          while (padded.length < max) padded.push(padded.length === 2 ? {} : "0x1");
          return {
            method: spec.method,
            params: [...padded, ...extra],
            defect: `too many params (${max + extra.length} > ${max})`,
          };
        }),
    ),
  },
  // 3. One parameter of the wrong type or format (objects: wrong shape or one bad field).
  {
    weight: 12,
    arbitrary: fc.constantFrom(...METHOD_SPECS.filter((s) => s.params.length > 0)).chain((spec) =>
      fc.integer({ min: 0, max: spec.params.length - 1 }).chain((index) => {
        const kind = spec.params[index];
        const bad = isObjectKind(kind)
          ? badObject(kind)
          : BAD[kind].map((value) => ({
              value,
              what: `param ${index} (${kind}) = ${JSON.stringify(value)}`,
            }));
        return fc
          .tuple(fc.tuple(...spec.params.map((k) => GOOD[k])), bad)
          .map(([good, { value, what }]) => {
            const params = [...good];
            params[index] = value;
            return { method: spec.method, params, defect: `wrong type/format: ${what}` };
          });
      }),
    ),
  },
);

/**
 * `count` malformed requests, deterministic for a given `seed` (same seed → same list).
 * @param count Number of requests.
 * @param seed fast-check seed.
 */
export function sampleMalformedRequests(count: number, seed: number): MalformedRequest[] {
  return fc.sample(malformedRequest, { numRuns: count, seed });
}
