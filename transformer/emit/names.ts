/**
 * Naming of everything the transformer writes: companion functions, parameters, temporaries. Names
 * come from the user's own names where there is one, and never shadow a name the code reads.
 */
const reserved = new Set(
  ('break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof new null return super switch this throw true try typeof var void while with yield let static ' +
    'implements interface package private protected public await arguments eval undefined NaN Infinity Math')
    .split(' '),
);

export class Namer {
  private readonly taken: Set<string>;

  constructor(avoid: Iterable<string>) {
    this.taken = new Set(avoid);
  }

  /** A fresh identifier based on `hint`: `hint` itself if free, else `hint1`, `hint2`, ... */
  fresh(hint: string): string {
    let base = hint.replace(/[^A-Za-z0-9_$]/g, '_');
    if (base === '' || /^[0-9]/.test(base)) base = `_${base}`;
    let name = base;
    for (let k = 1; this.taken.has(name) || reserved.has(name); k++) name = `${base}${k}`;
    this.taken.add(name);
    return name;
  }
}

/** Every identifier spelled anywhere in a file: names the companion's outer declarations must avoid. */
export function identifiersIn(text: string): Set<string> {
  return new Set(text.match(/[A-Za-z_$][A-Za-z0-9_$]*/g) ?? []);
}
