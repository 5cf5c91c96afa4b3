/**
 * What the transformer cannot differentiate is a TypeScript diagnostic at the right position, with a
 * sentence on what to do; the rest of the file still compiles and works.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compile, describeDiagnostics, load, prelude } from './harness.js';

interface Case {
  readonly code: number;
  /** The marked function's body; `§` marks where the diagnostic must start. */
  readonly body: string;
  readonly params?: string;
  /** Extra top-level declarations. */
  readonly extra?: string;
  /** Words the message must contain. */
  readonly says: RegExp;
}

const cases: Record<string, Case> = {
  'a recurrence nested in another recurrence': {
    code: 95001,
    params: 'xs: number[], n: number',
    body: 'let s = 0;\n  for (let j = 0; j < n; j++) {\n    let p = s;\n    §for (let i = 0; i < xs.length; i++) p = Math.sin(p * xs[i]!);\n    s = s * 0.5 + p;\n  }\n  return s;',
    says: /is not differentiated yet inside another such loop/,
  },
  'a while nested in a while': {
    code: 95001,
    body: 'let s = x;\n  while (s > 1) {\n    let t = s;\n    §while (t > 0.5) t = t * 0.7;\n    s = s - t;\n  }\n  return s;',
    says: /is not differentiated yet inside another such loop/,
  },
  'a recurrence nested in a loop keeping a maximum': {
    code: 95001,
    params: 'xs: number[], n: number',
    body: 'let best = -Infinity;\n  for (let j = 0; j < n; j++) {\n    let p = j * 0.1;\n    §for (let i = 0; i < xs.length; i++) p = Math.tanh(p + xs[i]!);\n    best = Math.max(best, p);\n  }\n  return best;',
    says: /inside a loop that keeps a maximum, a minimum or a last value, or writes an array/,
  },
  'a recurrence nested in a loop writing an array': {
    code: 95001,
    params: 'xs: number[], n: number',
    body: 'const out = new Float64Array(n);\n  for (let j = 0; j < n; j++) {\n    let p = j * 0.1;\n    §for (let i = 0; i < xs.length; i++) p = Math.tanh(p + xs[i]!);\n    out[j] = p;\n  }\n  let s = 0;\n  for (let j = 0; j < n; j++) s += out[j]! * j;\n  return s;',
    says: /inside a loop that keeps a maximum, a minimum or a last value, or writes an array/,
  },
  'a while with a return nested in a run-time loop': {
    code: 95001,
    params: 'v: number[], level: number, n: number',
    body: 'let acc = 0;\n  for (let j = 0; j < n; j++) {\n    let k = 0;\n    §while (k < v.length) {\n      if (v[k]! * level > 1) return acc + level;\n      k++;\n    }\n    acc += level * level;\n  }\n  return acc;',
    says: /a loop with a 'return' inside is not differentiated yet inside a loop that runs a run-time number of times/,
  },
  'a return in a loop inside a loop run a run-time number of times': {
    code: 95001,
    params: 'x: number, n: number',
    body: 'let s = 0;\n  for (let i = 0; i < n; i++) {\n    for (let j = 0; j < 2; j++) {\n      s += x;\n      if (s > 3) §return s;\n    }\n  }\n  return s;',
    says: /'return' inside a loop that is itself inside a loop that runs a run-time number of times/,
  },
  'a loop over a string': { code: 95001, params: 'x: number, label: string', body: 'let s = x;\n  for (const c of §label) s += x;\n  return s;', says: /loops over arrays only/ },
  'a loop past the unrolling budget': {
    code: 95001,
    body: 'let s = x;\n  §for (let i = 0; i < 100000; i++) s = s * 0.5 + 1;\n  return s;',
    says: /too many times to unroll/,
  },
  'a switch': { code: 95001, body: '§switch (x) { case 1: return 2; default: return x; }', says: /if\/else-if chain/ },
  'a branch choosing between objects': {
    code: 95001,
    params: 'x: number, p: { name: string }, q: { name: string }',
    body: 'const o = §x > 0 ? p : q;\n  return o.name.length * x;',
    says: /between objects/,
  },
  'try': { code: 95001, body: '§try { return x; } catch { return 0; }', says: /try/ },
  'a call to a function without source': {
    code: 95002,
    extra: 'declare function mystery(u: number): number;',
    body: 'return §mystery(x) * 2;',
    says: /no source/,
  },
  'Math.random': { code: 95002, body: 'return §Math.random() * x;', says: /draw random numbers outside/ },
  'a lib method on a number': { code: 95002, body: 'return §parseFloat("1") * x;', says: /no source/ },
  'recursion': {
    code: 95005,
    extra: 'function fact(n: number): number { return n * §fact(n - 1); }',
    body: 'return fact(x);',
    says: /recursion/,
  },
  'writing to a module variable': { code: 95006, extra: 'let total = 0;', body: '§total = x;\n  return x;', says: /outer state/ },
  'writing to a property': { code: 95006, params: 'x: number, o: { v: boolean }', body: '§o.v = true;\n  return x;', says: /local variables/ },
  'a closure changing a captured number': {
    code: 95006,
    body: 'let c = x;\n  const bump = () => { §c = c * 2; return c; };\n  return bump();',
    says: /closures that change captured numbers/,
  },
  'a nested array parameter': { code: 95004, params: '§xs: number[][]', body: 'return 1;', says: /nested arrays are not differentiated yet/ },
  'an object of numbers': { code: 95004, params: '§p: { x: number; y: number }', body: 'return p.x;', says: /objects of numbers/ },
  'writing to a parameter array': { code: 95006, params: 'xs: number[]', body: '§xs[0] = 1;\n  return xs[1]!;', says: /copy it into a local array/ },
  'an untyped parameter': { code: 95004, params: '§x: any', body: 'return x * 2;', says: /give it a type/ },
  'a rest parameter': { code: 95004, params: '§...xs: number[]', body: 'return 1;', says: /rest parameters/ },
  'a run-time index into a local array': { code: 95001, params: 'x: number, k: number', body: 'const a = [x, 2 * x];\n  return a[§k]!;', says: /not known at compile time/ },
  'a spread in an object literal': { code: 95001, params: 'x: number, o: { name: string }', body: 'const p = { x, §...o };\n  return p.x;', says: /may only list fields/ },
  'an object field that is not a number': { code: 95001, params: 'x: number, o: { name: string }', body: 'const p = { x, §inner: o };\n  return p.x;', says: /holds? numbers only/ },
  'a helper changing an object in a run-time loop': {
    code: 95001,
    params: 'x: number, n: number',
    extra: 'function bump(o: { x: number; v: number }): number {\n  o.v += o.x;\n  return o.v;\n}',
    body: 'const s = { x, v: 0 };\n  let t = 0;\n  §for (let i = 0; i < n; i++) t += bump(s);\n  return t + s.v;',
    says: /a function called in this loop.* changes the fields of an object built in the marked function; .* the loop's own statements/,
  },
  'a helper writing a local array in a run-time loop': {
    code: 95001,
    params: 'x: number, n: number',
    extra: 'function bump(a: number[]): number {\n  a[0] = a[0]! + 1;\n  return a[0]!;\n}',
    body: 'const p = [x, 0];\n  let t = 0;\n  §for (let i = 0; i < n; i++) t += bump(p);\n  return t;',
    says: /writes the elements of a local array/,
  },
  'writing an object a branch chose': {
    code: 95006,
    params: 'x: number',
    body: 'const a = { v: x };\n  const b = { v: 2 * x };\n  const o = x > 0 ? a : b;\n  §o.v = 3;\n  return a.v;',
    says: /one of two chosen by a branch/,
  },
  'a helper returning an array changed between its returns': {
    code: 95001,
    extra: '§function pick(a: number[], c: boolean): number[] {\n  if (c) return a;\n  a[0] = 2;\n  return a;\n}',
    body: 'const b = pick([x, 1], x > 0);\n  return b[0]! * x;',
    says: /returns arrays that differ between its returns/,
  },
  'string concatenation': { code: 95001, body: "const s = §'a' + x;\n  return x;", says: /string concatenation/ },
};

/** The source of one case, and the 1-based line and column of its `§` marker. */
function caseSource(c: Case): { source: string; line: number; column: number } {
  const text = `${prelude}${c.extra ?? ''}\n/** @differentiable */\nexport function bad(${c.params ?? 'x: number'}): number {\n  ${c.body}\n}\n` +
    `/** @differentiable */\nexport function good(x: number): number { return x * x * x; }\n`;
  // Without a marker, the diagnostic belongs on the function's name.
  const marked = text.includes('§') ? text : text.replace('function bad(', 'function §bad(');
  const at = marked.indexOf('§');
  const before = marked.slice(0, at);
  const line = before.split('\n').length;
  const column = at - before.lastIndexOf('\n');
  return { source: marked.slice(0, at) + marked.slice(at + 1), line, column };
}

const diagnostics = suite('diagnostics');

for (const [name, c] of Object.entries(cases)) {
  diagnostics(`${name}: TS${c.code} at its position, and the rest of the file still works`, () => {
    const { source, line, column } = caseSource(c);
    const result = compile({ 'main.ts': source });
    const lines = describeDiagnostics(result.diagnostics);
    assert.is(result.diagnostics.length, 1, lines.join('\n'));
    assert.is(lines[0]!.startsWith(`main.ts(${line},${column}): TS${c.code}: coarsegrad: `), true, `${lines[0]} should be at (${line},${column})`);
    assert.match(lines[0]!, c.says);
    const m = load(result.js);
    assert.equal(m.grad(m.good)(2), [12]);
    assert.throws(() => m.grad(m.bad), /has no gradient companion/);
  });
}

diagnostics('every message says what to do', () => {
  for (const c of Object.values(cases)) {
    const { source } = caseSource(c);
    const [d] = compile({ 'main.ts': source }).pluginDiagnostics;
    assert.ok(d !== undefined);
    const text = describeDiagnostics([d!])[0]!;
    assert.ok(text.length > 60, `too terse: ${text}`);
  }
});

diagnostics('a file with syntax and type errors never makes the plugin throw', () => {
  const result = compile({ 'main.ts': `${prelude}/** @differentiable */ export function f(x: number): number { return x * * ; }\n/** @differentiable */ export function g(x: number): number { return x.foo; }` });
  assert.ok(result.diagnostics.length > 0);
});

diagnostics('a marked function needs a name; let-bound marks are refused', () => {
  const result = compile({ 'main.ts': `${prelude}/** @differentiable */\nexport let f = (x: number): number => x * x;\n` });
  const lines = describeDiagnostics(result.diagnostics);
  assert.is(lines.length, 1, lines.join('\n'));
  assert.match(lines[0]!, /main\.ts\(4,12\): TS95001: .*`const`/);
});

diagnostics.run();
