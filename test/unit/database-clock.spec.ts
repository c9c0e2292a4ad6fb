import { DatabaseClock } from '../../lib/database/database-clock.js';

/*
 * The server-side deadline of a statement: the local send time, moved onto the database's clock by
 * the estimated offset, plus node-postgres' query_timeout, less a margin for the commit.
 */
describe('DatabaseClock', () => {
  it('gives no deadline when the client never gives up on a statement', () => {
    expect(new DatabaseClock().deadline(undefined, 1_000)).toBeNull();
  });

  it('before any sample, assumes equal clocks and keeps a margin off the query timeout', () => {
    expect(new DatabaseClock().deadline(2_500, 10_000)?.getTime()).toBe(10_000 + 2_500 - 250);
    // A short timeout keeps a quarter of itself as the margin.
    expect(new DatabaseClock().deadline(400, 10_000)?.getTime()).toBe(10_000 + 400 - 100);
  });

  it("moves the deadline onto the database's clock by the offset a statement's answer showed", () => {
    const clock = new DatabaseClock();
    // Sent at 1,000, answered at 1,010: the database read 6,005 at the midpoint, 5 s ahead.
    clock.sample(new Date(6_005), 1_000, 1_010);
    expect(clock.deadline(2_500, 20_000)?.getTime()).toBe(20_000 + 5_000 + 2_250);
  });

  it('keeps the sample with the shortest round trip, until it is a minute old', () => {
    const clock = new DatabaseClock();
    clock.sample(new Date(6_005), 1_000, 1_010); // offset 5,000, round trip 10
    clock.sample(new Date(9_000), 2_000, 2_400); // round trip 400: looser, ignored
    expect(clock.deadline(2_500, 0)?.getTime()).toBe(5_000 + 2_250);
    clock.sample(new Date(3_002), 3_000, 3_004); // round trip 4: tighter, offset 0
    expect(clock.deadline(2_500, 0)?.getTime()).toBe(2_250);
    // A minute later any sample replaces it: the clocks may have been stepped since.
    clock.sample(new Date(70_000 + 1_000 + 200), 70_000, 70_400);
    expect(clock.deadline(2_500, 0)?.getTime()).toBe(1_000 + 2_250);
  });
});
