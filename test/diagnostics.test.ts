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
  'a loop over a string': { code: 95001, params: 'x: number, label: string', body: 'let s = x;\n  for (const c of §label) s += x;\n  return s;', says: /loops over arrays only/ },
  'for...in': { code: 95001, body: 'const o = { a: x };\n  let s = x;\n  §for (const k in o) s += x;\n  return s;', says: /for\.\.\.in/ },
  'a case expression with effects': { code: 95001, params: 'x: number, k: number', body: 'let j = 0;\n  switch (k) { case §j++: return x; default: return 2 * x; }', says: /evaluated only until one matches/ },
  'try with a catch': { code: 95001, body: 'try { return x; } §catch { return 0; }', says: /'catch' cannot be differentiated/ },
  'throwing something other than a standard error': { code: 95001, body: 'if (x < 0) throw §{ code: 1 };\n  return x;', says: /only a standard error it builds there/ },
  'a call to a function without source': {
    code: 95002,
    extra: 'declare function mystery(u: number): number;',
    body: 'return §mystery(x) * 2;',
    says: /no source/,
  },
  'Math.random': { code: 95002, body: 'return §Math.random() * x;', says: /draw random numbers outside/ },
  'a lib method on a number': { code: 95002, body: 'return §parseFloat("1") * x;', says: /no source/ },
  'recursion over objects, its depth decided at run time': {
    code: 95005,
    params: 'x: number, n: number',
    extra: 'function walk(p: { x: number; y: number }, n: number): number { return n === 0 ? p.x : walk({ x: p.y, y: p.x * 2 }, n - 1); }',
    body: 'return §walk({ x, y: 2 * x }, n);',
    says: /'p' of the recursive function 'walk' is an object or an array of arrays; pass numbers and arrays of numbers/,
  },
  'a recursive method': {
    code: 95005,
    params: 'x: number, n: number',
    extra: 'class Chain {\n  constructor(public w: number) {}\n  run(v: number, n: number): number { return n === 0 ? v : this.run(v * this.w, n - 1); }\n}',
    body: 'return §new Chain(0.5).run(x, n);',
    says: /the recursive method 'run' reads 'this'.*make it a function taking the values it reads/,
  },
  'a marked function calling itself with an object': {
    code: 95005,
    params: 'p: { x: number }, n: number',
    body: 'if (n > 0) return §bad({ x: p.x * 2 }, 0) + 1;\n  return p.x * p.x;',
    says: /the marked function 'bad' calls itself with objects, arrays of arrays or a rest parameter; move the recursion into a helper it calls/,
  },
  'recursion given another function each time': {
    code: 95005,
    params: 'x: number, n: number',
    extra: 'function nest(f: (v: number) => number, v: number, n: number): number { return n === 0 ? f(v) : §nest((u) => f(u) * 2, v, n - 1); }',
    body: 'return nest((u) => u * u, x, n);',
    says: /a different function argument than the call that reached it/,
  },
  'writing to a module variable': { code: 95006, extra: 'let total = 0;', body: '§total = x;\n  return x;', says: /outer state/ },
  'writing to a property': { code: 95006, params: 'x: number, o: { v: boolean }', body: '§o.v = true;\n  return x;', says: /local variables/ },
  'an array of arrays of arrays': { code: 95004, params: '§xs: number[][][]', body: 'return 1;', says: /arrays nested deeper than rows of numbers \(number\[\]\[\]\[\]\) and arrays of objects holding arrays of arrays, objects of arrays, strings or optional fields are not differentiated yet/ },
  'deeper nested arrays in a parameter object': { code: 95004, params: 'x: number, §p: { rows: number[][][] }', body: 'return x * p.rows.length;', says: /arrays nested deeper than rows of numbers \(number\[\]\[\]\[\]\)/ },
  'writing to arrays held by the elements of a parameter array of objects, in a loop of its own': { code: 95006, params: 'y: number, data: { features: number[]; label: number }[]', body: 'for (let i = 0; i < data.length; i++) for (let j = 0; j < 2; j++) §data[i]!.features[j] -= y;\n  return data[0]!.label * y;', says: /writing to the parameter 'data.features' cannot be differentiated/ },
  'an optional array parameter': { code: 95004, params: 'x: number, §w?: number[]', body: 'return w === undefined ? x : x * w[0]!;', says: /an optional array is not differentiated yet/ },
  'an optional array field': { code: 95004, params: 'x: number, §o: { w?: Float64Array; k: number }', body: 'return x * o.k;', says: /the field 'w' of parameter 'o'.*an optional array is not differentiated yet/ },
  'an optional object holding an array': { code: 95004, params: 'x: number, §o: { w?: { v: number[] }; k: number }', body: 'return x * o.k;', says: /an optional object holding arrays is not differentiated yet/ },
  'a parameter of a union of types holding numbers': { code: 95004, params: 'x: number, §v: { k: number } | number', body: 'return x;', says: /a union of several types holding numbers/ },
  'a default drawn at random': { code: 95004, params: 'x: number, jitter = §Math.random()', body: 'return x * jitter;', says: /computed from constants/ },
  'an object default that is not a literal': { code: 95004, params: 'x: number, opts: { k: number } = §defaults', extra: 'const defaults = { k: 1 };', body: 'return x * opts.k;', says: /an object literal of literals/ },
  'an untyped parameter': { code: 95004, params: '§x: any', body: 'return x * 2;', says: /give it a type/ },
  'a made function that keeps state between calls': {
    code: 95001,
    extra: 'function makeCounter() {\n  let count = 0;\n  return §() => ++count;\n}',
    body: 'const next = makeCounter();\n  return x * next();',
    says: /changes 'count', which it keeps between calls/,
  },
  'a factory writing to what it was given': {
    code: 95001,
    params: 'x: number',
    extra: 'function makeLogger(log: number[]) {\n  §log.push(1);\n  return (y: number) => y * log.length;\n}',
    body: 'const log: number[] = [];\n  const h = makeLogger(log);\n  return h(x);',
    says: /runs its factory again at each call, so the factory may change only its own locals/,
  },
  'a rest parameter of arrays': { code: 95004, params: '§...xs: number[][]', body: 'return 1;', says: /a marked function's rest parameter is differentiated when it takes numbers/ },
  'a spread in an object literal': { code: 95001, params: 'x: number, o: { name: string }', body: 'const p = { x, §...o };\n  return p.x;', says: /may only list fields/ },
  'reduce without an initial value': { code: 95001, params: 'x: number, xs: number[]', body: 'return §xs.reduce((a, b) => a + b) * x;', says: /give 'reduce' its initial value/ },
  'a callback only known at run time': { code: 95001, params: 'x: number, xs: number[], g: (v: number) => number', body: 'return xs.map(§g).length * x;', says: /must be written at the call or declared in the program/ },
  'a method a subclass overrides, called on the base type': {
    code: 95001,
    extra: 'class Shape {\n  area(): number { return 0; }\n}\nclass Square extends Shape {\n  constructor(public s: number) { super(); }\n  area(): number { return this.s * this.s; }\n}',
    body: 'const s: Shape = new Square(x);\n  return §s.area();',
    says: /'area' of 'Shape' is overridden in a subclass/,
  },
  'a class extending a library class': { code: 95001, extra: 'class Tagged extends Error {}', body: 'const t = §new Tagged();\n  return x;', says: /extends a class whose source is not in the program \(Error\)/ },
  'a method of a number': { code: 95002, body: 'return §x.toFixed(2).length;', says: /no source/ },

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
