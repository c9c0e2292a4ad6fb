import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

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

  it('holds the built library and nothing else', () => {
    const others = files.filter((path) => !path.startsWith('dist/lib/'));
    expect(others).toEqual(['LICENSE', 'README.md', 'package.json']);
    expect(files.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((path) => /(^|\/)(test|sample-app)\/|\.(e2e-)?spec\.|\.browser-spec\./.test(path))).toEqual([]);
    expect(files.length).toBeGreaterThan(50);
  });

  it('is built from clean (prepack empties dist/ first)', () => {
    expect(files).not.toContain('dist/lib/left-from-an-old-build.js');
  });

  it('holds every file its manifest points at', () => {
    const manifest = JSON.parse(read('package.json')) as {
      main: string;
      types: string;
      exports: Record<string, string | Record<string, string>>;
    };
    const targets = [
      manifest.main,
      manifest.types,
      ...Object.values(manifest.exports).flatMap((target) =>
        typeof target === 'string' ? [target] : Object.values(target),
      ),
    ].map((target) => target.replace(/^\.\//, ''));
    for (const target of targets) expect(files).toContain(target);
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
