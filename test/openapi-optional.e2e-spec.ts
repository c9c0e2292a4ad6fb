import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/*
 * @nestjs/swagger is optional: the module writes its OpenAPI metadata without importing it
 * (lib/openapi/openapi.decorators.ts). Here it is made impossible to import, as in an app that
 * does not have it, before anything loads the module; then the module boots and serves a start.
 */
const jest = (import.meta as unknown as { jest: typeof import('@jest/globals').jest }).jest;
jest.unstable_mockModule('@nestjs/swagger', () => {
  throw Object.assign(new Error("Cannot find package '@nestjs/swagger'"), { code: 'ERR_MODULE_NOT_FOUND' });
});

async function sourceFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('an app without @nestjs/swagger', () => {
  it('loads and runs the module', async () => {
    await expect(import('@nestjs/swagger')).rejects.toThrow(/Cannot find package/);
    const { FakeSsmsPlatform } = await import('nestjs-phone-call-auth/testing');
    const { bootTestApp, createTestDatabase, PREFIX } = await import('./support/test-app.js');
    const database = await createTestDatabase();
    const platform = await FakeSsmsPlatform.start();
    const app = await bootTestApp({ databaseUrl: database.url, platform });
    try {
      const started = await app.request('POST', `${PREFIX}/verifications`, { phone: '+79670311122' });
      expect(started.status).toBe(201);
    } finally {
      await app.close();
      await platform.close();
      await database.drop();
    }
  }, 30_000); // compiles and loads the whole library afresh (no cache shared with other files): slow on busy cores

  it('is not asked for by the package: no import in lib/, no dependency or peer', async () => {
    const importers: string[] = [];
    for (const file of await sourceFiles('lib')) {
      if (/from\s+['"]@nestjs\/swagger|import\(\s*['"]@nestjs\/swagger/.test(await readFile(file, 'utf8'))) {
        importers.push(file);
      }
    }
    expect(importers).toEqual([]);
    const manifest = JSON.parse(await readFile('package.json', 'utf8')) as Record<string, Record<string, string>>;
    expect(manifest.dependencies['@nestjs/swagger']).toBeUndefined();
    expect(manifest.peerDependencies['@nestjs/swagger']).toBeUndefined();
    expect(manifest.devDependencies['@nestjs/swagger']).toBeDefined(); // for the sample app and these tests
  });
});
