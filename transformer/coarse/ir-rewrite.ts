/** Rewriting a built expression: a node with some of the nodes it reads replaced. */
import type { Graph } from './ir.js';
import { reads, type Loop, type Node } from './nodes.js';

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
    case 'sum': {
      const body = substituteInBody(g, n.loop, n.body, map, memo);
      result =
        n.factor !== undefined
          ? g.horner(n.loop, body, substitute(g, n.init, map, memo), substitute(g, n.factor, map, memo), n.name)
          : g.sum(n.loop, body, substitute(g, n.init, map, memo), n.name);
      break;
    }
    case 'scan':
      result = g.scan(n.loop, substituteInBody(g, n.loop, n.body, map, memo), substitute(g, n.init, map, memo), n.extremum, n.nanWins);
      break;
    case 'recurrence':
    case 'exit':
      // A loop on the tape is one node per loop: it cannot be rebuilt for other inputs (another
      // iteration of a loop around it). Lowering reports the cases it meets; this is the backstop.
      for (const from of map.keys()) {
        if (readsFreely(n, from)) throw new LoopReuse((n.kind === 'exit' ? n.recurrence : n).loop);
      }
      result = n;
      break;
    default:
      result = n;
  }
  memo.set(n, result);
  return result;
}

/**
 * A reduction's body over its own loop: the loop binds its counter there, so a replacement of that
 * counter (an element of a map over the loop, read at one index, inside a value that also sums over
 * the loop) stops at the reduction, as a bound variable is not replaced in the lambda calculus.
 */
function substituteInBody(g: Graph, loop: Loop, body: Node, map: ReadonlyMap<Node, Node>, memo: Map<Node, Node>): Node {
  const binds = [...map.keys()].some((from) => from.kind === 'index' && from.loop === loop);
  if (!binds) return substitute(g, body, map, memo);
  const inner = new Map([...map].filter(([from]) => !(from.kind === 'index' && from.loop === loop)));
  return substitute(g, body, inner, new Map());
}

/**
 * Does `n` read `leaf` where `leaf` is free? A loop's counter is bound inside a reduction or a
 * recurrence over that loop: a sum over the loop of a map, read by a loop on the tape, does not make
 * the map's element at one index a value the tape's loop would need again.
 */
function readsFreely(n: Node, leaf: Node, memo = new Map<Node, boolean>()): boolean {
  if (n === leaf) return true;
  const known = memo.get(n);
  if (known !== undefined) return known;
  memo.set(n, false);
  const bound = leaf.kind === 'index' && (n.kind === 'sum' || n.kind === 'scan' || n.kind === 'recurrence') && n.loop === leaf.loop;
  const next = !bound ? reads(n) : n.kind === 'recurrence' ? [...n.inits, n.loop.start, n.loop.bound] : [n.init, n.loop.start, n.loop.bound, ...(n.kind === 'sum' && n.factor !== undefined ? [n.factor] : [])];
  const result = next.some((r) => readsFreely(r, leaf, memo));
  memo.set(n, result);
  return result;
}
