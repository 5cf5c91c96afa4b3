/** Renderings of the IR for the report, debug dumps and messages, and its operation counts. */
import { primitive } from '../rules.js';
import { constKey, opaqueKey, reads, type ApplyNode, type Node } from './nodes.js';

/** Operation count of the expressions rooted at `roots`, each shared node counted once. */
export function operationCount(roots: readonly Node[], which: (n: ApplyNode) => boolean = () => true): number {
  const seen = new Set<number>();
  let count = 0;
  const visit = (n: Node): void => {
    if (seen.has(n.id)) return;
    seen.add(n.id);
    if (n.kind === 'apply' && which(n)) count++;
    reads(n).forEach(visit);
  };
  roots.forEach(visit);
  return count;
}

/**
 * A one-line rendering for debug dumps and messages: `(y - x * x) ** 2`. A DAG printed as a tree can
 * be exponentially long, so past `budget` characters the rest is elided.
 */
export function show(n: Node, budget = 240): string {
  const left = { chars: budget };
  const text = render(n, left);
  return left.chars < 0 ? `${text.slice(0, budget)}…` : text;
}

function render(n: Node, left: { chars: number }): string {
  if (left.chars < 0) return '…';
  const r = (m: Node) => render(m, left);
  let text: string;
  switch (n.kind) {
    case 'const':
      text = n.name ?? constKey(n.value);
      break;
    case 'param':
      text = n.element === undefined ? n.name : `${n.name}[${n.element}]`;
      break;
    case 'opaque':
      text = opaqueKey(n.expr);
      break;
    case 'index':
      text = n.loop.counter;
      break;
    case 'carried':
      text = `${n.name}ₖ`;
      break;
    case 'load':
      text = `${n.name}[${r(n.index)}]`;
      break;
    case 'sum':
      text = `(${r(n.init)} + Σ_${n.loop.counter} ${r(n.body)})`;
      break;
    case 'scan':
      text = `arg${n.extremum}_${n.loop.counter}(${r(n.init)}; ${r(n.body)})`;
      break;
    case 'scatter':
      text = `d${n.param}[${r(n.index)}] += ${r(n.value)}`;
      break;
    case 'recurrence':
      text = `loop${n.loop.id}(${n.carried.map((c) => c.name).join(', ')})`;
      break;
    case 'exit':
      text = `${n.recurrence.carried[n.slot]!.name}@loop${n.recurrence.loop.id}`;
      break;
    case 'apply': {
      const rule = primitive(n.op);
      const args = n.args.map(r);
      if (rule.infix !== undefined && args.length === 2) text = `(${args[0]} ${rule.infix} ${args[1]})`;
      else if (n.op === 'neg') text = `-${args[0]}`;
      else if (n.op === 'select') text = `(${args[0]} ? ${args[1]} : ${args[2]})`;
      else if (n.op === '!') text = `!${args[0]}`;
      else text = `${rule.mathName !== undefined ? `Math.${rule.mathName}` : n.op}(${args.join(', ')})`;
    }
  }
  left.chars -= text.length;
  return text;
}
