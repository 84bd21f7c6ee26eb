/**
 * Solidity source locations of program counters, from solc build infos (standard-JSON input and
 * output): the contract's source map (`evm.bytecode.sourceMap` / `evm.deployedBytecode.sourceMap`,
 * solc's compressed `s:l:f:j:m` list, one entry per instruction), the sources' text (line
 * numbers) and ASTs (the function around a location).
 *
 * Source: the Solidity documentation, "Source Mappings".
 *
 * @example
 * ```ts
 * const maps = new SourceMaps([{ input, output }]);
 * maps.locate("project/contracts/Inner.sol", "Inner", false, code, 0x1a2);
 * // { sourceName: "project/contracts/Inner.sol", contract: "Inner", function: "fail", line: 24 }
 * ```
 */

/** The parts of a solc build info this module reads. */
export interface SolcBuildInfo {
  input: { sources: Record<string, { content?: string }> };
  output: {
    sources?: Record<string, { id: number; ast?: AstNode }>;
    contracts?: Record<
      string,
      Record<
        string,
        { evm?: { bytecode?: { sourceMap?: string }; deployedBytecode?: { sourceMap?: string } } }
      >
    >;
  };
}

/** An AST node as solc writes it (only the fields read here). */
export interface AstNode {
  nodeType?: string;
  name?: string;
  kind?: string;
  src?: string;
  nodes?: AstNode[];
}

/** A source location: the function around it, in solc's source name (`project/…`). */
export interface SourceLocation {
  sourceName: string;
  contract: string;
  function: string;
  /** 1-based. */
  line: number;
}

interface MapEntry {
  start: number;
  length: number;
  file: number;
}

interface Unit {
  build: SolcBuildInfo;
  runtime?: string;
  creation?: string;
  decoded: Map<"runtime" | "creation", MapEntry[]>;
}

/** Decompresses a solc source map into one entry per instruction. */
export function decodeSourceMap(map: string): MapEntry[] {
  const entries: MapEntry[] = [];
  let previous: MapEntry = { start: -1, length: -1, file: -1 };
  for (const item of map.split(";")) {
    const [s, l, f] = item.split(":");
    const entry = {
      start: s === undefined || s === "" ? previous.start : Number(s),
      length: l === undefined || l === "" ? previous.length : Number(l),
      file: f === undefined || f === "" ? previous.file : Number(f),
    };
    entries.push(entry);
    previous = entry;
  }
  return entries;
}

/** The instruction index of every program counter that starts an instruction. */
function instructionIndexes(code: Uint8Array): Map<number, number> {
  const indexes = new Map<number, number>();
  let index = 0;
  for (let pc = 0; pc < code.length; pc++) {
    indexes.set(pc, index++);
    const op = code[pc];
    if (op >= 0x60 && op <= 0x7f) pc += op - 0x5f; // PUSH1 … PUSH32 carry immediates
  }
  return indexes;
}

const FUNCTION_NAMES: Record<string, string> = {
  constructor: "constructor",
  fallback: "<fallback>",
  receive: "<receive>",
};

export class SourceMaps {
  readonly #units = new Map<string, Unit>();
  readonly #sourceNames = new Map<SolcBuildInfo, Map<number, string>>();
  readonly #lineStarts = new Map<string, number[]>();
  readonly #pcs = new WeakMap<Uint8Array, Map<number, number>>();

  constructor(builds: Iterable<SolcBuildInfo> = []) {
    for (const build of builds) this.add(build);
  }

  /** Adds one build info; contracts already known keep their first build. */
  add(build: SolcBuildInfo): void {
    const ids = new Map<number, string>();
    for (const [name, source] of Object.entries(build.output.sources ?? {}))
      ids.set(source.id, name);
    this.#sourceNames.set(build, ids);
    for (const [sourceName, contracts] of Object.entries(build.output.contracts ?? {})) {
      for (const [name, contract] of Object.entries(contracts)) {
        const key = `${sourceName}:${name}`;
        if (this.#units.has(key)) continue;
        this.#units.set(key, {
          build,
          runtime: contract.evm?.deployedBytecode?.sourceMap,
          creation: contract.evm?.bytecode?.sourceMap,
          decoded: new Map(),
        });
      }
    }
  }

  /** Whether any contract is known. */
  get size(): number {
    return this.#units.size;
  }

  /**
   * The location of the instruction at `pc` of contract `name` of source `sourceName` (solc's
   * input source name), running `code` (init code when `isCreate`). Undefined when the contract
   * is unknown or the instruction maps to no source of the project (compiler-generated code).
   */
  locate(
    sourceName: string,
    name: string,
    isCreate: boolean,
    code: Uint8Array,
    pc: number,
  ): SourceLocation | undefined {
    const unit = this.#units.get(`${sourceName}:${name}`);
    if (unit === undefined) return undefined;
    const kind = isCreate ? "creation" : "runtime";
    let entries = unit.decoded.get(kind);
    if (entries === undefined) {
      const map = isCreate ? unit.creation : unit.runtime;
      if (map === undefined) return undefined;
      entries = decodeSourceMap(map);
      unit.decoded.set(kind, entries);
    }
    let indexes = this.#pcs.get(code);
    if (indexes === undefined) {
      indexes = instructionIndexes(code);
      this.#pcs.set(code, indexes);
    }
    const index = indexes.get(pc);
    const entry = index === undefined ? undefined : entries[index];
    if (entry === undefined || entry.file < 0) return undefined;
    const file = this.#sourceNames.get(unit.build)?.get(entry.file);
    if (file === undefined) return undefined;
    const content = unit.build.input.sources[file]?.content;
    const ast = unit.build.output.sources?.[file]?.ast;
    if (content === undefined || ast === undefined) return undefined;
    const around = enclosingFunction(ast, entry.start, entry.length);
    if (around === undefined) return undefined;
    return {
      sourceName: file,
      contract: around.contract,
      function: around.function ?? (isCreate ? "constructor" : "<unknown>"),
      line: this.#lineOf(file, content, entry.start),
    };
  }

  #lineOf(file: string, content: string, byteOffset: number): number {
    let starts = this.#lineStarts.get(file);
    if (starts === undefined) {
      starts = [0];
      const bytes = Buffer.from(content, "utf8");
      for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) starts.push(i + 1);
      this.#lineStarts.set(file, starts);
    }
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid] <= byteOffset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  }
}

/** The contract and function (or modifier) whose source range holds `[start, start + length)`. */
function enclosingFunction(
  ast: AstNode,
  start: number,
  length: number,
): { contract: string; function?: string } | undefined {
  const holds = (node: AstNode) => {
    const [s, l] = (node.src ?? "").split(":").map(Number);
    return s <= start && start + length <= s + l;
  };
  for (const node of ast.nodes ?? []) {
    if (node.nodeType !== "ContractDefinition" || !holds(node)) continue;
    for (const member of node.nodes ?? []) {
      if (
        (member.nodeType === "FunctionDefinition" || member.nodeType === "ModifierDefinition") &&
        holds(member)
      ) {
        const named = member.kind === undefined ? undefined : FUNCTION_NAMES[member.kind];
        return { contract: node.name ?? "<unknown>", function: named ?? member.name };
      }
    }
    return { contract: node.name ?? "<unknown>" };
  }
  return undefined;
}
