/**
 * The remote side of a forked chain: the fork block (pinned at start), and every balance,
 * nonce, code and storage slot read from the remote node at that block, kept in memory and in
 * the disk cache ({@link ForkCache}). Loads are batched (one JSON-RPC batch per load) and
 * shared: a location asked for twice while in flight is fetched once.
 */
import { keccak256, type Hex, hexToBytes, bytesToHex } from "viem";
import {
  balanceKey,
  codeKey,
  isStorageKey,
  type LocationKey,
  locationAddress,
  locationSlot,
  nonceKey,
} from "../location.ts";
import type { ResolvedForkOptions } from "../options.ts";
import type { ForkReader } from "../state/fork-reader.ts";
import {
  ForkCache,
  type ForkCacheContent,
  rememberChainId,
  rememberedChainId,
} from "./fork-cache.ts";
import { ForkRemoteError, JsonRpcClient, type RpcCall } from "./json-rpc-client.ts";

/** The remote's block as `eth_getBlockByNumber` returns it (the fields the engine reads). */
export interface RemoteBlock {
  number: Hex;
  hash: Hex;
  parentHash: Hex;
  timestamp: Hex;
  [field: string]: unknown;
}

/**
 * How many blocks behind the remote's latest the fork block is pinned when none is given, per
 * remote chain id (EDR's reorg-safety depths); a chain shorter than that forks at its latest.
 */
const SAFE_DEPTH: Record<number, bigint> = { 1: 5n, 5: 5n, 100: 38n };
const DEFAULT_SAFE_DEPTH = 128n;

/** Least time between two saves of the disk cache (milliseconds). */
const SAVE_INTERVAL_MS = 1_000;

/** Sources with a disk cache and not closed: what they loaded is saved when the process exits. */
const OPEN_SOURCES = new Set<ForkSource>();
let exitHooked = false;
function watchExit(source: ForkSource): void {
  OPEN_SOURCES.add(source);
  if (exitHooked) return;
  exitHooked = true;
  process.once("exit", () => {
    for (const open of OPEN_SOURCES) open.close();
  });
}

/** Block hashes before the fork block that BLOCKHASH can ask for. */
const HASH_WINDOW = 256n;

export class ForkSource implements ForkReader {
  readonly client: JsonRpcClient;
  /** The remote chain's id. */
  readonly chainId: number;
  readonly blockNumber: bigint;
  readonly block: RemoteBlock;
  readonly cache: ForkCache | undefined;
  readonly #values = new Map<LocationKey, bigint>();
  readonly #codes = new Map<bigint, Uint8Array>();
  readonly #hashes = new Map<bigint, Uint8Array>();
  readonly #inFlight = new Map<LocationKey, Promise<void>>();
  /** Keys loaded since the last save. */
  #unsaved = 0;
  #lastSave = 0;
  #saveTimer: NodeJS.Timeout | undefined;
  /** Told of every location loaded from the remote (the world state's watchers). */
  onLoaded: ((keys: LocationKey[]) => void) | undefined;

  private constructor(
    client: JsonRpcClient,
    chainId: number,
    block: RemoteBlock,
    cache: ForkCache | undefined,
    content: ForkCacheContent,
  ) {
    this.client = client;
    this.chainId = chainId;
    this.block = block;
    this.blockNumber = BigInt(block.number);
    this.cache = cache;
    for (const [key, value] of Object.entries(content.values))
      this.#values.set(key as LocationKey, BigInt(value));
    for (const [hash, code] of Object.entries(content.codes))
      this.#codes.set(BigInt(hash), hexToBytes(code as Hex));
    for (const [n, hash] of Object.entries(content.hashes))
      this.#hashes.set(BigInt(n), hexToBytes(hash as Hex));
  }

  /**
   * Connects to the remote, pins the fork block (the given one, else the latest minus the
   * chain's safe depth), loads the disk cache of that block and the hashes BLOCKHASH may need.
   * With `blockNumber` given and a cache file complete, nothing is asked of the remote but its
   * chain id.
   * @throws {ForkRemoteError} when the remote fails, or the block is past its latest.
   */
  static async open(options: ResolvedForkOptions): Promise<ForkSource> {
    const url = typeof options.url === "string" ? options.url : await options.url();
    const client = new JsonRpcClient(url, options.httpHeaders, options.timeout);
    // A pinned block with a cache: the remote's chain id is remembered (by URL hash) too.
    const remembered =
      options.cacheDir === undefined || options.blockNumber === undefined
        ? undefined
        : rememberedChainId(options.cacheDir, url);
    const chainId = remembered ?? Number(await client.request<Hex>("eth_chainId"));
    if (options.cacheDir !== undefined && remembered === undefined)
      rememberChainId(options.cacheDir, url, chainId);
    let number = options.blockNumber;
    if (number === undefined) {
      const latest = BigInt(await client.request<Hex>("eth_blockNumber"));
      const depth = SAFE_DEPTH[chainId] ?? DEFAULT_SAFE_DEPTH;
      number = latest >= depth ? latest - depth : latest;
    }
    const cache =
      options.cacheDir === undefined ? undefined : new ForkCache(options.cacheDir, chainId, number);
    const content = cache?.load() ?? { values: {}, codes: {}, hashes: {} };
    let block = content.block as RemoteBlock | undefined;
    if (block === undefined) {
      block =
        (await client.request<RemoteBlock | null>("eth_getBlockByNumber", [
          `0x${number.toString(16)}`,
          false,
        ])) ?? undefined;
      if (block === undefined) {
        const latest = BigInt(await client.request<Hex>("eth_blockNumber"));
        throw new ForkRemoteError(
          client.maskedUrl,
          `Trying to initialize a provider with block ${number} but the current block is ${latest}`,
        );
      }
    }
    const source = new ForkSource(client, chainId, block, cache, content);
    if (cache !== undefined) watchExit(source);
    await source.#loadHashes();
    if (content.block === undefined || cache?.corruptOnLoad) source.#unsaved++;
    source.save();
    return source;
  }

  peek(key: LocationKey): bigint | undefined {
    return this.#values.get(key);
  }

  code(codeHash: bigint): Uint8Array | undefined {
    return this.#codes.get(codeHash);
  }

  /** The hash of block `n` (at most 256 below the fork block, or the fork block), if known. */
  hashOf(n: bigint): Uint8Array | undefined {
    return this.#hashes.get(n);
  }

  /** Every location and code loaded so far (to seed a Block-STM lane's replica). */
  entries(): IterableIterator<[LocationKey, bigint]> {
    return this.#values.entries();
  }
  codes(): IterableIterator<[bigint, Uint8Array]> {
    return this.#codes.entries();
  }

  /**
   * Reads `keys` from the remote at the fork block (an account's balance, nonce and code come
   * together), unless known or in flight; saves the disk cache after.
   * @throws {ForkRemoteError} when the remote fails; nothing is stored then.
   */
  async load(keys: Iterable<LocationKey>): Promise<void> {
    const waits: Array<Promise<void>> = [];
    const wanted = new Set<LocationKey>();
    for (const key of keys) {
      if (this.#values.has(key)) continue;
      const inFlight = this.#inFlight.get(key);
      if (inFlight !== undefined) waits.push(inFlight);
      else if (isStorageKey(key)) wanted.add(key);
      else {
        const address = locationAddress(key);
        for (const k of [balanceKey(address), nonceKey(address), codeKey(address)])
          if (!this.#values.has(k) && !this.#inFlight.has(k)) wanted.add(k);
      }
    }
    if (wanted.size > 0) {
      const fetching = this.#fetch([...wanted]);
      for (const key of wanted) this.#inFlight.set(key, fetching);
      waits.push(
        fetching.finally(() => {
          for (const key of wanted) this.#inFlight.delete(key);
        }),
      );
    }
    await Promise.all(waits);
  }

  /** Writes what was loaded since the last save to the disk cache (merged, atomic). */
  save(): void {
    if (this.cache === undefined || this.#unsaved === 0) return;
    const hex = (v: bigint): string => `0x${v.toString(16)}`;
    const content: ForkCacheContent = { values: {}, codes: {}, hashes: {}, block: this.block };
    for (const [key, value] of this.#values) content.values[key] = hex(value);
    for (const [hash, code] of this.#codes) content.codes[hex(hash)] = bytesToHex(code);
    for (const [n, hash] of this.#hashes) content.hashes[n.toString()] = bytesToHex(hash);
    this.cache.save(content);
    this.#unsaved = 0;
    this.#lastSave = Date.now();
  }

  async #fetch(keys: LocationKey[]): Promise<void> {
    const tag = `0x${this.blockNumber.toString(16)}`;
    const calls: RpcCall[] = keys.map((key) => {
      const address = locationAddress(key);
      switch (key.charCodeAt(0)) {
        case 98 /* b */:
          return { method: "eth_getBalance", params: [address, tag] };
        case 110 /* n */:
          return { method: "eth_getTransactionCount", params: [address, tag] };
        case 99 /* c */:
          return { method: "eth_getCode", params: [address, tag] };
        default:
          return { method: "eth_getStorageAt", params: [address, locationSlot(key), tag] };
      }
    });
    const results = await this.client.batch<Hex>(calls);
    keys.forEach((key, i) => {
      const result = results[i];
      if (key.charCodeAt(0) === 99 /* c */) {
        if (result === "0x" || result === undefined || result === null) {
          this.#values.set(key, 0n);
          return;
        }
        const hash = BigInt(keccak256(result));
        this.#codes.set(hash, hexToBytes(result));
        this.#values.set(key, hash);
      } else this.#values.set(key, BigInt(result));
    });
    this.#unsaved += keys.length;
    this.onLoaded?.(keys);
    this.#scheduleSave();
  }

  /**
   * Saves at most once per {@link SAVE_INTERVAL_MS} (a save rewrites the whole file); what is
   * left is saved by a timer that does not keep the process alive, by {@link close}, or at exit.
   */
  #scheduleSave(): void {
    if (this.cache === undefined || this.#saveTimer !== undefined) return;
    const wait = this.#lastSave + SAVE_INTERVAL_MS - Date.now();
    if (wait <= 0) {
      this.#trySave();
      return;
    }
    this.#saveTimer = setTimeout(() => {
      this.#saveTimer = undefined;
      this.#trySave();
    }, wait);
    this.#saveTimer.unref();
  }

  #trySave(): void {
    try {
      this.save();
    } catch {
      // A cache that cannot be written costs remote reads next time, nothing else.
    }
  }

  /** Saves what is left and stops saving at exit (the chain was disposed). */
  close(): void {
    clearTimeout(this.#saveTimer);
    this.#saveTimer = undefined;
    this.#trySave();
    OPEN_SOURCES.delete(this);
  }

  async #loadHashes(): Promise<void> {
    const from = this.blockNumber > HASH_WINDOW ? this.blockNumber - HASH_WINDOW : 0n;
    this.#hashes.set(this.blockNumber, hexToBytes(this.block.hash));
    const calls: RpcCall[] = [];
    const numbers: bigint[] = [];
    for (let n = from; n < this.blockNumber; n++) {
      if (this.#hashes.has(n)) continue;
      numbers.push(n);
      calls.push({ method: "eth_getBlockByNumber", params: [`0x${n.toString(16)}`, false] });
    }
    if (calls.length === 0) return;
    const blocks = await this.client.batch<RemoteBlock | null>(calls);
    numbers.forEach((n, i) => {
      const block = blocks[i];
      if (block !== null) this.#hashes.set(n, hexToBytes(block.hash));
    });
    this.#unsaved += numbers.length;
  }
}
