/**
 * The module's tables, for the raw SQL of the tests: the names the entities declare, so a test
 * reads and writes the very tables the module uses.
 */
export { REFRESH_TOKEN_TABLE } from '../../lib/auth/refresh-token.entity.js';
export { RATE_LIMIT_TABLE } from '../../lib/rate-limit/rate-limit.entity.js';
export { INBOUND_CALL_TABLE } from '../../lib/verification/inbound-call.entity.js';
export { VERIFICATION_TABLE } from '../../lib/verification/verification.entity.js';
