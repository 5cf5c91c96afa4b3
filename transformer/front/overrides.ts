/**
 * Which methods and getters of the program's classes a subclass overrides. The front end resolves a
 * method call by the type checker, that is by the receiver's static type; where a subclass
 * overrides the method, the object may be the subclass's and run the override, which only the run
 * time knows. Such calls are refused; calls of methods no subclass overrides are what they say.
 * Built once over the program's files.
 */
import type ts from 'typescript';

export class Overrides {
  private overridden: Set<ts.Node> | undefined;

  constructor(
    private readonly ts: typeof import('typescript'),
    private readonly checker: ts.TypeChecker,
    private readonly files: () => readonly ts.SourceFile[],
  ) {}

  /** Does a subclass in the program declare a member of `member`'s name (`member` a method or getter of a class)? */
  has(member: ts.Node): boolean {
    this.overridden ??= this.index();
    return this.overridden.has(member);
  }

  /** The class `cls` extends, if it is one of the program's. */
  base(cls: ts.ClassLikeDeclaration): ts.ClassLikeDeclaration | undefined {
    const ts = this.ts;
    const heritage = cls.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
    if (heritage === undefined) return undefined;
    const symbol = this.checker.getSymbolAtLocation(heritage.expression);
    const target = symbol !== undefined && symbol.flags & ts.SymbolFlags.Alias ? this.checker.getAliasedSymbol(symbol) : symbol;
    const decl = target?.valueDeclaration;
    return decl !== undefined && (ts.isClassDeclaration(decl) || ts.isClassExpression(decl)) ? decl : undefined;
  }

  private index(): Set<ts.Node> {
    const ts = this.ts;
    const overridden = new Set<ts.Node>();
    const visit = (n: ts.Node): void => {
      if (ts.isClassDeclaration(n) || ts.isClassExpression(n)) {
        const names = new Set(n.members.flatMap((m) => (m.name !== undefined && !ts.isConstructorDeclaration(m) ? [m.name.getText()] : [])));
        const seen = new Set<ts.Node>();
        for (let base = this.base(n); base !== undefined && !seen.has(base); base = this.base(base)) {
          seen.add(base);
          for (const m of base.members) if (m.name !== undefined && names.has(m.name.getText())) overridden.add(m);
        }
      }
      ts.forEachChild(n, visit);
    };
    for (const file of this.files()) if (!file.isDeclarationFile) visit(file);
    return overridden;
  }
}
