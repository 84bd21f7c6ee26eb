/**
 * Recognising deployed contracts by their runtime code: which compilation artifact's
 * `deployedBytecode` is the code at an address. The contract index (`contract-index.ts`) uses
 * it for every place that names or decodes a contract (revert messages and declared-access
 * checks in `sdk/rpc`, contract names in the parallelism analysis).
 *
 * Runtime code and an artifact's `deployedBytecode` may differ in three kinds of bytes that say
 * nothing about which contract it is; the matcher ignores them:
 *
 * - **CBOR metadata.** solc appends a CBOR map (keys such as `ipfs`, `bzzr1`, `solc`,
 *   `experimental`) followed by its own length as a two-byte big-endian integer. The hash in it
 *   covers the source text and settings, so a comment, a file path or a compiler setting
 *   changes it without changing the code. Source: Solidity docs, "Contract Metadata — Encoding
 *   of the Metadata Hash in the Bytecode".
 * - **Immutables.** solc leaves zeros in `deployedBytecode` where the constructor writes the
 *   values of `immutable` variables; the positions are the artifact's `immutableReferences`
 *   (`{ [astId]: [{ start, length }] }`, byte offsets). Source: Solidity docs, "Compiler Input
 *   and Output JSON Description" (`evm.deployedBytecode.immutableReferences`).
 * - **Linked library addresses.** Unlinked code holds a 40-character placeholder
 *   `__$<34 hex of keccak256(fully qualified library name)>$__` where a library's 20-byte address
 *   goes; the positions are the artifact's `deployedLinkReferences`
 *   (`{ [sourceName]: { [libraryName]: [{ start, length }] } }`). Source: same page
 *   (`evm.deployedBytecode.linkReferences`) and "Using the Commandline Compiler — Library Linking".
 *
 * All other bytes must be equal. When several artifacts match, an artifact whose metadata is
 * also identical to the code's wins (the same contract from the same build beats a contract
 * whose code only looks the same, such as two copies of one contract under different names);
 * otherwise the one added first.
 */
import { type Hex, hexToBytes } from "viem";

/** A byte range of code: `start` and `length` in bytes. */
export interface ByteRange {
  start: number;
  length: number;
}

/** The fields of a Hardhat/solc artifact the matcher reads. */
export interface RuntimeCodeArtifact {
  /** 0x-prefixed hex; may contain `__$<hash>$__` library placeholders; `0x` for interfaces. */
  deployedBytecode: string;
  /** Byte ranges of immutable variables by AST id (solc `immutableReferences`). */
  immutableReferences?: Record<string, ByteRange[]>;
  /** Byte ranges of library addresses by source and library name (solc `linkReferences`). */
  deployedLinkReferences?: Record<string, Record<string, ByteRange[]>>;
}

interface Candidate<T> {
  value: T;
  /** Runtime code without its metadata, library placeholders zeroed. */
  code: Uint8Array;
  /** The metadata suffix (including the two length bytes); empty when there is none. */
  metadata: Uint8Array;
  /** 1 for each byte of `code` to ignore (immutables, library addresses); undefined if none. */
  skip: Uint8Array | undefined;
}

/** `__$` + 34 hex + `$__`: solc's placeholder for a library address (20 bytes as 40 chars). */
const LIBRARY_PLACEHOLDER = /__\$[0-9a-fA-F]{34}\$__/g;
const HEX_BYTES = /^0x(?:[0-9a-fA-F]{2})+$/;

/**
 * Runtime code → the value (an artifact, or what a caller keeps about it) added for the
 * matching artifact. Lookups are cached per code (the hex string as given); adding an
 * artifact clears the cache.
 */
export class RuntimeCodeMatcher<T> {
  /** Candidates by length of their code without metadata, in the order added. */
  readonly #byLength = new Map<number, Array<Candidate<T>>>();
  readonly #cache = new Map<string, T | null>();
  #size = 0;

  /** Number of artifacts with runtime code added. */
  get size(): number {
    return this.#size;
  }

  /**
   * Adds an artifact, answered as `value` by {@link match}.
   * @returns false (and adds nothing) when the artifact has no runtime code: interfaces,
   *   abstract contracts, or a `deployedBytecode` that is not hex bytes.
   */
  add(artifact: RuntimeCodeArtifact, value: T): boolean {
    const hex =
      typeof artifact.deployedBytecode === "string"
        ? artifact.deployedBytecode.replace(LIBRARY_PLACEHOLDER, "0".repeat(40))
        : "";
    if (!HEX_BYTES.test(hex)) return false;
    const full = hexToBytes(hex as Hex);
    const { code, metadata } = splitMetadata(full);
    const ranges = [
      ...Object.values(artifact.immutableReferences ?? {}).flat(),
      ...Object.values(artifact.deployedLinkReferences ?? {}).flatMap((libraries) =>
        Object.values(libraries).flat(),
      ),
    ];
    let skip: Uint8Array | undefined;
    if (ranges.length > 0) {
      skip = new Uint8Array(code.length);
      for (const { start, length } of ranges)
        skip.fill(1, start, Math.min(start + length, code.length));
    }
    const list = this.#byLength.get(code.length) ?? [];
    list.push({ value, code, metadata, skip });
    this.#byLength.set(code.length, list);
    this.#size++;
    this.#cache.clear();
    return true;
  }

  /**
   * The value of the artifact whose runtime code `code` is (0x hex, as `eth_getCode` returns
   * it, either case), or `undefined` when none matches (including `0x` and malformed hex).
   */
  match(code: Hex): T | undefined {
    const cached = this.#cache.get(code);
    if (cached !== undefined) return cached ?? undefined;
    const found = HEX_BYTES.test(code) ? this.#find(hexToBytes(code)) : undefined;
    this.#cache.set(code, found === undefined ? null : found.value);
    return found?.value;
  }

  #find(bytes: Uint8Array): Candidate<T> | undefined {
    const { code, metadata } = splitMetadata(bytes);
    let first: Candidate<T> | undefined;
    for (const candidate of this.#byLength.get(code.length) ?? []) {
      if (!sameBytes(code, candidate.code, candidate.skip)) continue;
      if (sameBytes(metadata, candidate.metadata)) return candidate;
      first ??= candidate;
    }
    return first;
  }
}

/**
 * Length in bytes of the CBOR metadata solc appends to runtime code, including the two length
 * bytes; 0 when the code does not end with it. Recognised as: the last two bytes give a
 * length `n > 0` that fits in the code, and the byte `n + 2` from the end opens a CBOR map
 * (major type 5) of 1 to 7 entries (`0xa1`..`0xa7`).
 */
export function metadataLength(code: Uint8Array): number {
  if (code.length < 2) return 0;
  const length = (code[code.length - 2] << 8) | code[code.length - 1];
  const start = code.length - 2 - length;
  if (length === 0 || start < 0) return 0;
  return code[start] >= 0xa1 && code[start] <= 0xa7 ? length + 2 : 0;
}

function splitMetadata(bytes: Uint8Array): { code: Uint8Array; metadata: Uint8Array } {
  const end = bytes.length - metadataLength(bytes);
  return { code: bytes.subarray(0, end), metadata: bytes.subarray(end) };
}

/** Equal lengths and equal bytes, except where `skip` is 1. */
function sameBytes(a: Uint8Array, b: Uint8Array, skip?: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i] && skip?.[i] !== 1) return false;
  }
  return true;
}
