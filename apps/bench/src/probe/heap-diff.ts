// Self sizes per object kind in two heap snapshots (N and 2N jobs held), the difference divided by the extra jobs:
//   node src/probe/heap-diff.ts small.heapsnapshot large.heapsnapshot <extra jobs>
// Plain objects are told apart by their property names, strings by length, closures and contexts by what holds them.
import { readFileSync } from "node:fs";

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

function totals(path: string): Map<string, { count: number; bytes: number }> {
  const snapshot = JSON.parse(readFileSync(path, "utf8")) as Snapshot;
  const { node_fields: fields, node_types, edge_fields, edge_types } = snapshot.snapshot.meta;
  const types = node_types[0];
  const edgeTypes = edge_types[0];
  const width = fields.length;
  const edgeWidth = edge_fields.length;
  const [typeAt, nameAt, sizeAt, edgeCountAt] = [fields.indexOf("type"), fields.indexOf("name"), fields.indexOf("self_size"), fields.indexOf("edge_count")];
  const [edgeTypeAt, edgeNameAt, edgeToAt] = [edge_fields.indexOf("type"), edge_fields.indexOf("name_or_index"), edge_fields.indexOf("to_node")];
  const nodeCount = snapshot.nodes.length / width;
  const firstEdge = new Int32Array(nodeCount + 1);
  for (let node = 0; node < nodeCount; node += 1) firstEdge[node + 1] = firstEdge[node]! + snapshot.nodes[node * width + edgeCountAt]! * edgeWidth;
  // Who holds each node first (one retainer is enough to name a closure or a context).
  const holder = new Int32Array(nodeCount).fill(-1);
  const holderEdge = new Array<string>(nodeCount);
  for (let node = 0; node < nodeCount; node += 1) {
    for (let edge = firstEdge[node]!; edge < firstEdge[node + 1]!; edge += edgeWidth) {
      const to = snapshot.edges[edge + edgeToAt]! / width;
      const edgeType = edgeTypes[snapshot.edges[edge + edgeTypeAt]!]!;
      if (holder[to] === -1 && edgeType !== "weak") {
        holder[to] = node;
        holderEdge[to] = edgeType === "element" || edgeType === "hidden" ? `[${snapshot.edges[edge + edgeNameAt]}]` : snapshot.strings[snapshot.edges[edge + edgeNameAt]!]!;
      }
    }
  }
  const nameOf = (node: number) => `${types[snapshot.nodes[node * width + typeAt]!]} ${snapshot.strings[snapshot.nodes[node * width + nameAt]!]!.slice(0, 40)}`;
  const byKind = new Map<string, { count: number; bytes: number }>();
  for (let node = 0; node < nodeCount; node += 1) {
    const type = types[snapshot.nodes[node * width + typeAt]!]!;
    let name = snapshot.strings[snapshot.nodes[node * width + nameAt]!]!.slice(0, 60);
    const size = snapshot.nodes[node * width + sizeAt]!;
    if (type.includes("string")) name = `len~${size}`;
    if (type === "object" && name === "Object") {
      const keys: string[] = [];
      for (let edge = firstEdge[node]!; edge < firstEdge[node + 1]!; edge += edgeWidth) {
        if (edgeTypes[snapshot.edges[edge + edgeTypeAt]!] === "property") keys.push(snapshot.strings[snapshot.edges[edge + edgeNameAt]!]!);
      }
      name = `{${keys.join(",").slice(0, 100)}}`;
    }
    if (type === "closure" || type === "array" || type.includes("string") || type === "number" || name.includes("Context") || type === "hidden" || name === "Promise") {
      const parent = holder[node]!;
      name += parent >= 0 ? `  <-${holderEdge[node]}- ${nameOf(parent)}` : "";
    }
    const key = `${type} ${name}`;
    const entry = byKind.get(key) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += size;
    byKind.set(key, entry);
  }
  return byKind;
}

const [smallPath, largePath, extraText, minText = "8"] = process.argv.slice(2);
const extra = Number(extraText);
const small = totals(smallPath!);
const large = totals(largePath!);
const rows = [...large].map(([key, entry]) => {
  const base = small.get(key) ?? { count: 0, bytes: 0 };
  return { key, perJob: (entry.count - base.count) / extra, bytesPerJob: (entry.bytes - base.bytes) / extra };
});
rows.sort((a, b) => b.bytesPerJob - a.bytesPerJob);
let total = 0;
for (const row of rows) total += row.bytesPerJob;
console.log(`total ${total.toFixed(0)} bytes per job`);
for (const row of rows.filter((row) => Math.abs(row.bytesPerJob) >= Number(minText))) console.log(`${row.bytesPerJob.toFixed(0).padStart(6)} B  ${row.perJob.toFixed(2).padStart(6)}×  ${row.key}`);
