import { EventEntity } from './entities/event.entity.js';
import { InboundCallEntity } from './entities/inbound-call.entity.js';
import { RateLimitEntity } from './entities/rate-limit.entity.js';
import { RefreshTokenEntity } from './entities/refresh-token.entity.js';
import { SmsPrefixEntity } from './entities/sms-prefix.entity.js';
import { VerificationEntity } from './entities/verification.entity.js';

/** The module's entities, for the host's data source (`entities: [...PHONE_CALL_AUTH_ENTITIES]`). */
export const PHONE_CALL_AUTH_ENTITIES = [
  VerificationEntity,
  InboundCallEntity,
  RateLimitEntity,
  RefreshTokenEntity,
  SmsPrefixEntity,
  EventEntity,
];
