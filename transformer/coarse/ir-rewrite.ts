/** Rewriting a built expression: a node with some of the nodes it reads replaced. */
import type { Graph } from './ir.js';
import { dependsOn, type Loop, type Node } from './nodes.js';

/** A loop on the tape asked for at inputs other than its own: see `substitute`. */
export class LoopReuse extends Error {
  constructor(readonly loop: Loop) {
    super(`coarsegrad: loop${loop.id} on the tape would be needed for other inputs`);
  }
}

/** `n` with each node of `map` replaced, rebuilt through the graph's constructors (so it simplifies). */
export function substitute(g: Graph, n: Node, map: ReadonlyMap<Node, Node>, memo = new Map<Node, Node>()): Node {
  const mapped = map.get(n);
  if (mapped !== undefined) return mapped;
  const done = memo.get(n);
  if (done !== undefined) return done;
  let result: Node;
  switch (n.kind) {
    case 'apply': {
      const args = n.args.map((a) => substitute(g, a, map, memo));
      result = args.every((a, i) => a === n.args[i]) ? n : g.apply(n.op, args);
      break;
    }
    case 'load':
      result = g.load(n.param, n.name, substitute(g, n.index, map, memo));
      break;
    case 'sum':
      result =
        n.factor !== undefined
          ? g.horner(n.loop, substitute(g, n.body, map, memo), substitute(g, n.init, map, memo), substitute(g, n.factor, map, memo), n.name)
          : g.sum(n.loop, substitute(g, n.body, map, memo), substitute(g, n.init, map, memo), n.name);
      break;
    case 'scan':
      result = g.scan(n.loop, substitute(g, n.body, map, memo), substitute(g, n.init, map, memo), n.extremum, n.nanWins);
      break;
    case 'recurrence':
    case 'exit':
      // A loop on the tape is one node per loop: it cannot be rebuilt for other inputs (another
      // iteration of a loop around it). Lowering reports the cases it meets; this is the backstop.
      for (const from of map.keys()) {
        if (dependsOn(n, from)) throw new LoopReuse((n.kind === 'exit' ? n.recurrence : n).loop);
      }
      result = n;
      break;
    default:
      result = n;
  }
  memo.set(n, result);
  return result;
}
