import { useTestApp } from './support/test-app.js';

describe('entities and migrations', () => {
  const t = useTestApp();

  it('agree: after the migrations, TypeORM has nothing to change (synchronize or migration:generate drop nothing)', async () => {
    const { upQueries } = await t.dataSource.driver.createSchemaBuilder().log();
    expect(upQueries.map((query) => query.query)).toEqual([]);
  });
});
