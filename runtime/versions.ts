/**
 * Stale companions across files (DESIGN.md §9, incremental builds). A companion inlines helpers from
 * other files, and an incremental build (`incremental`, `--watch`, `tsc -b`) re-emits a file whose
 * helper changed without re-emitting the files whose companions inlined it. So each file whose code
 * a companion was derived from states, when it loads, the versions of those declarations; each file
 * with such companions states the versions it was derived from; and where the two disagree, whichever
 * loads second throws, saying to rebuild. A stale gradient is never returned.
 */

interface Book {
  /** By file: the versions of its declarations that companions elsewhere were derived from. */
  readonly provided: Map<string, Readonly<Record<string, string>>>;
  /** By file: what the companions of other files expect of it, and which file expects it. */
  readonly expected: Map<string, { readonly by: string; readonly versions: Readonly<Record<string, string>> }[]>;
}

// On globalThis under a registered symbol, as the registry is: two copies of the package share it.
const bookKey = Symbol.for('coarsegrad.versions');
type Host = typeof globalThis & { [bookKey]?: Book };
const host = globalThis as Host;
const book: Book = (host[bookKey] ??= { provided: new Map(), expected: new Map() });

/** Called by a transformed module whose declarations companions in other files inlined. */
export function registerSources(file: string, versions: Readonly<Record<string, string>>): void {
  book.provided.set(file, versions);
  for (const expectation of book.expected.get(file) ?? []) compare(expectation.by, file, expectation.versions, versions);
}

/** Called by a transformed module whose companions inlined declarations of `file`. */
export function checkSources(by: string, file: string, versions: Readonly<Record<string, string>>): void {
  const provided = book.provided.get(file);
  if (provided !== undefined) {
    compare(by, file, versions, provided);
    return;
  }
  // `file` has not loaded yet (its code runs later, through an object): checked when it does.
  const list = book.expected.get(file) ?? [];
  list.push({ by, versions });
  book.expected.set(file, list);
}

function compare(by: string, file: string, expected: Readonly<Record<string, string>>, provided: Readonly<Record<string, string>>): void {
  for (const [name, version] of Object.entries(expected)) {
    if (provided[name] === version) continue;
    throw new Error(
      `coarsegrad: the gradients in ${by} were derived from an earlier version of '${name}' in ${file}, which has changed since ${by} was built ` +
        `(an incremental build re-emits only the files that changed). Rebuild so that they are derived again: touch ${by}, or remove the .tsbuildinfo file and build.`,
    );
  }
}
