/**
 * The front end (`transformer/desugar.ts`): this source becomes that core. The core is what both
 * modes read, printed by `debug: true` (temporaries as `name$n`; the numbers are left out here).
 * What each core means when run is checked by every other suite, in both modes.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compile, describeDiagnostics, prelude } from './harness.js';

const desugar = suite('the front end: source becomes core');

/** The core of the marked function `name` in `source`, as the debug trace prints it. */
function coreOf(declarations: string, name = 'f'): string {
  const lines: string[] = [];
  const log = console.log;
  console.log = (text: string) => void lines.push(text);
  let result;
  try {
    result = compile({ 'main.ts': prelude + declarations }, { plugin: { mode: 'fine', debug: true } });
  } finally {
    console.log = log;
  }
  assert.equal(describeDiagnostics(result.diagnostics), [], 'no diagnostics');
  const trace = lines.find((text) => text.startsWith(`${name}:`));
  assert.ok(trace !== undefined, `no trace for ${name}`);
  const core = trace!.slice(trace!.indexOf('core, from the front end:') + 'core, from the front end:'.length, trace!.indexOf('\n  companions:'));
  return normalise(core);
}

function normalise(text: string): string {
  return text
    .replace(/\$\d+/g, '$')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join('\n');
}

function becomes(title: string, declarations: string, expected: string, name = 'f'): void {
  desugar(title, () => assert.fixture(coreOf(declarations, name), normalise(expected)));
}

becomes(
  'a postfix increment used as a value: the old value is read before the variable moves',
  `/** @differentiable */
export function f(x: number): number {
  let y = x;
  const z = y++;
  return z * y;
}`,
  `function f(x) {
  let y = x;
  let yBefore$ = y;
  y = (+(yBefore$) + 1);
  let z = yBefore$;
  return (z * y);
}`,
);

becomes(
  'xs[i++]: each read takes the counter before it moves, and the first read is kept before the second moves it',
  `/** @differentiable */
export function f(x: number): number {
  const xs = [x, 2 * x, 3];
  let i = 0;
  return xs[i++]! * xs[i++]!;
}`,
  `function f(x) {
  let xs = [x, (2 * x), 3];
  let i = 0;
  let iBefore$ = i;
  i = (+(iBefore$) + 1);
  let operand$ = xs[iBefore$];
  let iBefore$ = i;
  i = (+(iBefore$) + 1);
  return (operand$ * xs[iBefore$]);
}`,
);

becomes(
  'a compound assignment to an element: read before the call on its right runs, written after',
  `function bump(a: number[]): number {
  a[1] = 5;
  return 1;
}
/** @differentiable */
export function f(x: number): number {
  const a = [x, x];
  let k = 0;
  a[k] += bump(a);
  return a[0]! + a[1]!;
}`,
  `function f(x) {
  let a = [x, x];
  let k = 0;
  let operand$ = a[k];
  let bump$ = bump(a);
  a[k] = (operand$ + bump$);
  return (a[0] + a[1]);
}`,
);

becomes(
  "for...of over an array parameter is a counted loop reading each element",
  `/** @differentiable */
export function f(xs: number[]): number {
  let s = 0;
  for (const v of xs) s += v * v;
  return s;
}`,
  `function f(xs) {
  let s = 0;
  loop1: {
  let k$ = 0;
  while ((k$ < xs.length)) {
  let v = xs[k$];
  s = (s + (v * v));
  }
  // update
  k$ = (k$ + 1);
  }
  return s;
}`,
);

becomes(
  'var is hoisted, and a declaration without a value starts undefined',
  `/** @differentiable */
export function f(x: number): number {
  let h;
  h = x * x;
  var d1, d2;
  d1 = h;
  d2 = 2;
  return d1 * d2;
}`,
  `function f(x) {
  let d1 = undefined;
  let d2 = undefined;
  let h = undefined;
  h = (x * x);
  d1 = h;
  d2 = 2;
  return (d1 * d2);
}`,
);

becomes(
  "destructuring with a default: one variable each, the default applied where the value is undefined",
  `/** @differentiable */
export function f(x: number): number {
  const point: { p: number; q?: number } = { p: x };
  const { p, q = 3 } = point;
  return p * q;
}`,
  `function f(x) {
  let point = { p: x };
  let p = point.p;
  let part$ = point.q;
  if ((part$ === undefined)) {
  part$ = 3;
  }
  let q = part$;
  return (p * q);
}`,
);

becomes(
  "a called function's default parameter is applied in its body, when the argument is undefined",
  `function scale(x: number, k = 2): number {
  return k * x;
}
/** @differentiable */
export function f(x: number): number {
  return scale(x) + scale(x, 3);
}`,
  `function f(x) {
  let scale$ = scale(x, undefined);
  let scale$ = scale(x, 3);
  return (scale$ + scale$);
}`,
);

becomes(
  'a right side with effects runs only when needed: the logical operator becomes a branch',
  `function tick(a: number[]): number {
  a[0] = a[0]! + 1;
  return a[0]!;
}
/** @differentiable */
export function f(x: number): number {
  const a = [x];
  const y = (x > 1 && tick(a)) || 3;
  return y * a[0]!;
}`,
  `function f(x) {
  let a = [x];
  let either$ = (x > 1);
  if (either$) {
  let tick$ = tick(a);
  either$ = tick$;
  }
  let y = (either$ || 3);
  return (y * a[0]);
}`,
);

desugar('a number parameter that decides a trip count is reported as discrete', () => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (text: string) => void lines.push(text);
  try {
    compile({ 'main.ts': `${prelude}/** @differentiable */\nexport function f(x: number, steps: number): number {\n  const h = 1 / steps;\n  let y = x;\n  for (let i = 0; i < steps; i++) y += h * y;\n  return y;\n}\n` }, { plugin: { report: true } });
  } finally {
    console.log = log;
  }
  assert.match(lines.join('\n'), /steps \(parameter 1\): taken as discrete \(an integer\), its gradient entry is 0: it decides a trip count at line 7/);
});

desugar.run();
