/**
 * Fresh valid Russian mobile numbers, one per call, so tests never see each other's verifications
 * or rate limits. Jest loads this module anew for every test file, so each file counts from 1 in
 * its own database; the block (+7 967 8xx-xx-xx) is one no test writes a number of by hand.
 */
const BLOCK = '+79678';
const BLOCK_SIZE = 1_000_000;

let issued = 0;

export function nextPhone(): string {
  issued += 1;
  if (issued >= BLOCK_SIZE) throw new Error(`nextPhone: all ${BLOCK_SIZE - 1} numbers of the block are used`);
  return `${BLOCK}${String(issued).padStart(6, '0')}`;
}
