import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { brokenLinks } from '../support/markdown-links.js';

/**
 * What `npm pack` puts in the tarball, from a copy of the working tree (no dist/, no .data/, no
 * node_modules/ but a link to this one), as `npm publish` makes it: the `prepack` script cleans and
 * builds, then npm lists the files. The copy leaves the real dist/ alone, which other tests run.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const skipped = new Set(['node_modules', 'dist', '.git', '.data', 'coverage', 'test/.artifacts']);

interface PackedFile {
  path: string;
  size: number;
}

interface Manifest {
  main: string;
  types: string;
  exports: Record<string, string | Record<string, string>>;
  typesVersions: Record<'*', Record<string, string[]>>;
}

let work: string;
let packageDir: string;
let files: string[];

const read = (path: string) => readFileSync(join(packageDir, path), 'utf8');

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'phone-call-auth-pack-'));
  packageDir = join(work, 'package');
  cpSync(root, packageDir, {
    recursive: true,
    filter: (source) => {
      const path = relative(root, source).split(sep).join('/');
      return !skipped.has(path) && !path.endsWith('.tgz');
    },
  });
  symlinkSync(join(root, 'node_modules'), join(packageDir, 'node_modules'), 'junction');
  // Left by an older build: prepack must start from an empty dist/.
  mkdirSync(join(packageDir, 'dist', 'lib'), { recursive: true });
  writeFileSync(join(packageDir, 'dist', 'lib', 'left-from-an-old-build.js'), 'export {};\n');

  // With --json, npm prints the scripts' output on stderr and only the report on stdout.
  const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json'], {
    cwd: packageDir,
    env: { ...process.env, npm_config_ignore_scripts: 'false' },
    shell: process.platform === 'win32',
    maxBuffer: 16 * 1024 * 1024,
    timeout: 110_000,
  });
  const [report] = JSON.parse(stdout) as [{ files: PackedFile[] }];
  files = report.files.map((file) => file.path).sort();
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('holds the license, the readme and the manifest', () => {
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
    expect(read('LICENSE')).toMatch(/^MIT License\n\nCopyright \(c\) 2026 the nestjs-phone-call-auth authors\n/);
    expect(JSON.parse(read('package.json')).license).toBe('MIT');
  });

  it('holds the built library, the docs and nothing else', () => {
    const others = files.filter((path) => !path.startsWith('dist/lib/'));
    const pages = readdirSync(join(root, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`);
    expect(others).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', ...pages, 'package.json'].sort());
    expect(files.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((path) => /(^|\/)(test|sample-app)\/|\.(e2e-)?spec\.|\.browser-spec\./.test(path))).toEqual([]);
    expect(files.length).toBeGreaterThan(50);
  });

  it('is built from clean (prepack empties dist/ first)', () => {
    expect(files).not.toContain('dist/lib/left-from-an-old-build.js');
  });

  it('holds every file its manifest points at', () => {
    const manifest = JSON.parse(read('package.json')) as Manifest;
    const targets = [
      manifest.main,
      manifest.types,
      ...Object.values(manifest.exports).flatMap((target) =>
        typeof target === 'string' ? [target] : Object.values(target),
      ),
      ...Object.values(manifest.typesVersions['*']).flat(),
    ].map((target) => target.replace(/^\.\//, ''));
    for (const target of targets) expect(files).toContain(target);
  });

  it('has links that work from node_modules: the README, the docs and the messages of lib/', () => {
    const markdown = files.filter((path) => path.endsWith('.md'));
    // The screenshots stay in the repository (they would triple the tarball): only images may point there.
    const shipped = (path: string) => files.includes(path);
    const kept = (path: string) => shipped(path) || /^docs\/screenshots\/[\w-]+\.png$/.test(path);
    expect(brokenLinks(markdown, read, shipped, { images: false })).toEqual([]);
    expect(brokenLinks(markdown, read, kept)).toEqual([]);
    // Runtime messages and JSDoc name pages as docs/<page>.md, from the package's root.
    const named = files
      .filter((path) => /\.(js|d\.ts)$/.test(path))
      .flatMap((path) => [...read(path).matchAll(/\bdocs\/[\w-]+\.md\b/g)].map(([page]) => page));
    expect(named.length).toBeGreaterThan(0);
    expect([...new Set(named)].filter((page) => !files.includes(page))).toEqual([]);
  });

  it('resolves both entry points for TypeScript: node10 (module commonjs), nodenext and bundler', () => {
    const manifest = JSON.parse(read('package.json')) as Manifest;
    // node10 reads no `exports`: each subpath needs its `typesVersions` entry, to the same types.
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      if (subpath === '.' || typeof target === 'string') continue;
      expect(manifest.typesVersions['*'][subpath.replace(/^\.\//, '')]).toEqual([target.types]);
    }
    const consumer = join(work, 'consumer');
    mkdirSync(join(consumer, 'node_modules'), { recursive: true });
    symlinkSync(packageDir, join(consumer, 'node_modules', 'nestjs-phone-call-auth'), 'junction');
    writeFileSync(join(consumer, 'package.json'), '{ "name": "consumer", "private": true }\n');
    const source = join(consumer, 'app.ts');
    writeFileSync(
      source,
      [
        "import { PHONE_CALL_AUTH_MIGRATIONS, PhoneCallAuthModule } from 'nestjs-phone-call-auth';",
        "import { FakeSsmsPlatform } from 'nestjs-phone-call-auth/testing';",
        'export const used = [PhoneCallAuthModule, PHONE_CALL_AUTH_MIGRATIONS, FakeSsmsPlatform.start] as const;',
        '',
      ].join('\n'),
    );
    // TypeScript 6 deprecates node10 (what `module: commonjs` means on TypeScript 5); it still resolves the same way.
    const node10 = Number(ts.versionMajorMinor.split('.')[0]) >= 6 ? { ignoreDeprecations: '6.0' } : {};
    const settings: Record<string, ts.CompilerOptions> = {
      node10: { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, ...node10 },
      nodenext: { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext },
      bundler: { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler },
    };
    for (const [name, options] of Object.entries(settings)) {
      const program = ts.createProgram([source], {
        ...options,
        target: ts.ScriptTarget.ES2022,
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: [],
      });
      const errors = ts
        .getPreEmitDiagnostics(program)
        .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      expect([name, errors]).toEqual([name, []]);
    }
  });

  it('has source maps that resolve: each one it names is in it and carries the sources', () => {
    const maps = files.filter((path) => path.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    // No .d.ts.map: it would point at .ts files the package does not hold.
    expect(maps.filter((path) => path.endsWith('.d.ts.map'))).toEqual([]);
    for (const path of files.filter((file) => /\.(js|d\.ts)$/.test(file))) {
      const reference = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(read(path))?.[1];
      if (reference) expect([path, files]).toEqual([path, expect.arrayContaining([posix.join(path, '..', reference)])]);
    }
    for (const path of maps) {
      const map = JSON.parse(read(path)) as { sources: string[]; sourcesContent?: (string | null)[] };
      const missing = map.sources.filter((_, index) => typeof map.sourcesContent?.[index] !== 'string');
      expect([path, missing]).toEqual([path, []]);
    }
  });
});
