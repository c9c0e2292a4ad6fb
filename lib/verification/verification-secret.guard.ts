import { Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { PHONE_CALL_VERIFICATION_STRATEGY } from '../phone-call-auth.constants.js';

/** Guard of the module's own routes that take a verification id and secret ({@link VerificationSecretStrategy}). */
@Injectable()
export class VerificationSecretGuard extends AuthGuard(PHONE_CALL_VERIFICATION_STRATEGY) {}
