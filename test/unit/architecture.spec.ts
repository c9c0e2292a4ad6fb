import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/*
 * The rooms of lib/ (docs/contributing.md): a ground floor (`core`) that imports nothing of ours,
 * shared rooms above it, the features above those, and the module files at the root, which may
 * import every room and which no room imports. Each room may import only the rooms listed for it
 * (type imports included: they are arrows too), so no two rooms import each other; and no file
 * imports itself back through a chain of imports.
 */
const LIB = resolve('lib');
const ROOT = '(root)';
const MAY_IMPORT: Record<string, string[]> = {
  core: [],
  telemetry: ['core'],
  i18n: ['core'],
  phone: ['core'],
  openapi: ['core'],
  providers: ['core', 'phone', 'i18n'],
  options: ['core', 'phone', 'i18n', 'providers'],
  http: ['core', 'phone', 'i18n', 'options'],
  database: ['core', 'i18n', 'options', 'http', 'telemetry'],
  ops: ['core', 'phone', 'i18n', 'options', 'database', 'telemetry'],
  'rate-limit': ['core', 'phone', 'i18n', 'options', 'http', 'database', 'ops', 'telemetry'],
  realtime: ['core', 'phone', 'i18n', 'options', 'http', 'database', 'telemetry'],
  routes: ['core', 'http', 'database', 'rate-limit'],
  auth: ['core', 'phone', 'i18n', 'options', 'http', 'database', 'openapi', 'routes'],
  verification: [
    'core',
    'phone',
    'i18n',
    'options',
    'http',
    'database',
    'openapi',
    'providers',
    'routes',
    'rate-limit',
    'realtime',
    'auth',
    'telemetry',
    'ops',
  ],
  callback: [
    'core',
    'phone',
    'i18n',
    'options',
    'http',
    'database',
    'openapi',
    'providers',
    'routes',
    'rate-limit',
    'verification',
    'telemetry',
  ],
  testing: ['core', 'phone', 'providers', 'database'],
};

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

const room = (file: string) => {
  const path = relative(LIB, file).split('/');
  return path.length === 1 ? ROOT : path[0];
};

describe('lib/ architecture', () => {
  it('classifies every folder of lib/', () => {
    const folders = readdirSync(LIB, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(folders.filter((folder) => !(folder in MAY_IMPORT))).toEqual([]);
  });

  it('has each room import only the rooms below it', () => {
    const arrows = [...graph].flatMap(([file, targets]) =>
      targets
        .filter((target) => {
          const [from, to] = [room(file), room(target)];
          return from !== to && from !== ROOT && !MAY_IMPORT[from]?.includes(to);
        })
        .map((target) => `${relative(LIB, file)} -> ${relative(LIB, target)}`),
    );
    expect(arrows).toEqual([]);
  });

  it('has a table without a cycle, so no two rooms can import each other', () => {
    const cycles = Object.entries(MAY_IMPORT).flatMap(([from, targets]) =>
      targets.filter((to) => MAY_IMPORT[to]?.includes(from) || to === ROOT).map((to) => `${from} <-> ${to}`),
    );
    const below = (from: string, seen = new Set<string>()): Set<string> => {
      for (const to of MAY_IMPORT[from] ?? []) if (!seen.has(to)) below(to, seen.add(to));
      return seen;
    };
    const circular = Object.keys(MAY_IMPORT).filter((from) => below(from).has(from));
    expect([...cycles, ...circular]).toEqual([]);
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
