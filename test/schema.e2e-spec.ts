import { FakeSsmsPlatform } from 'nestjs-phone-call-auth/testing';
import { bootTestApp, createTestDatabase, type TestApp } from './support/test-app.js';

describe('entities and migrations', () => {
  let platform: FakeSsmsPlatform;
  let db: { url: string; drop(): Promise<void> };
  let t: TestApp;

  beforeAll(async () => {
    platform = await FakeSsmsPlatform.start();
    db = await createTestDatabase();
    t = await bootTestApp({ databaseUrl: db.url, platform });
  });
  afterAll(async () => {
    await t?.close();
    await platform?.close();
    await db?.drop();
  });

  it('agree: after the migrations, TypeORM has nothing to change (synchronize or migration:generate drop nothing)', async () => {
    const { upQueries } = await t.dataSource.driver.createSchemaBuilder().log();
    expect(upQueries.map((query) => query.query)).toEqual([]);
  });
});
