/**
 * The module's tables, for the raw SQL of the tests: the names the entities declare, so a test
 * reads and writes the very tables the module uses.
 */
export { REFRESH_TOKEN_TABLE } from '../../lib/database/entities/refresh-token.entity.js';
export { RATE_LIMIT_TABLE } from '../../lib/database/entities/rate-limit.entity.js';
export { INBOUND_CALL_TABLE } from '../../lib/database/entities/inbound-call.entity.js';
export { VERIFICATION_TABLE } from '../../lib/database/entities/verification.entity.js';
