import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/*
 * The rooms of lib/ (docs/contributing.md): shared rooms hold what every feature uses and import no
 * feature; no file imports itself back through a chain of imports.
 */
const LIB = resolve('lib');
const SHARED = ['core', 'database', 'phone', 'options', 'openapi', 'http', 'i18n'];
const FEATURES = ['verification', 'callback', 'auth', 'realtime', 'rate-limit', 'testing'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Each lib file and the lib files it imports (type-only imports included: they are arrows too). */
const graph = new Map(
  sources(LIB).map((file) => {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)].map((match) =>
      resolve(dirname(file), `${match[1]}.ts`),
    );
    return [file, targets];
  }),
);

const room = (file: string) => relative(LIB, file).split('/')[0];

describe('lib/ architecture', () => {
  it('has no import from a shared room into a feature room', () => {
    const arrows = [...graph].flatMap(([file, targets]) =>
      targets
        .filter((target) => SHARED.includes(room(file)) && FEATURES.includes(room(target)))
        .map((target) => `${relative(LIB, file)} -> ${relative(LIB, target)}`),
    );
    expect(arrows).toEqual([]);
  });

  it('has a ground floor (core) that imports no other room', () => {
    const arrows = [...graph].flatMap(([file, targets]) =>
      targets
        .filter((target) => room(file) === 'core' && room(target) !== 'core')
        .map((target) => `${relative(LIB, file)} -> ${relative(LIB, target)}`),
    );
    expect(arrows).toEqual([]);
  });

  it('has no file-level import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(LIB, f)).join(' -> '));
        return;
      }
      state.set(file, 'visiting');
      for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('resolves every relative import to a file', () => {
    const missing = [...graph].flatMap(([file, targets]) =>
      targets.filter((target) => !graph.has(target)).map((target) => `${relative(LIB, file)} -> ${target}`),
    );
    expect(missing).toEqual([]);
  });
});
