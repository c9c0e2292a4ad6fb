import { Body, Controller, DynamicModule, Get, Module, Post } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  PHONE_CALL_AUTH_ENTITIES,
  PHONE_CALL_AUTH_MIGRATIONS,
  PhoneCallAuth,
  PhoneCallAuthModule,
  SsmsProvider,
  type TelephonyProvider,
  VerifiedPhone,
  type VerifiedPhoneIdentity,
} from 'nestjs-phone-call-auth';
import type { FakeCall, FakeSsmsPlatform } from 'nestjs-phone-call-auth/testing';
import type { SampleConfig } from './sample.config.js';

const SAMPLE_CONFIG = 'SAMPLE_CONFIG';

@Controller()
class MeController {
  /** Answers only with a token from the module: `Authorization: Bearer <accessToken>`. */
  @PhoneCallAuth()
  @Get('me')
  me(@VerifiedPhone() identity: VerifiedPhoneIdentity) {
    return { sub: identity.sub, phone: identity.phone };
  }
}

/** The module reads its options from the environment through forRootAsync, as a real app would. */
@Module({})
export class AppModule {
  static register(config: SampleConfig, fake?: FakeSsmsPlatform): DynamicModule {
    @Module({ providers: [{ provide: SAMPLE_CONFIG, useValue: config }], exports: [SAMPLE_CONFIG] })
    class SampleConfigModule {}

    /** Only on the fake platform: places a call as if the subscriber dialed, so the flow runs with no phone. */
    @Controller('dev')
    class FakeCallsController {
      @Post('fake-calls')
      placeCall(@Body() call: FakeCall) {
        return fake!.placeCall(call);
      }
    }

    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: config.databaseUrl,
          entities: [...PHONE_CALL_AUTH_ENTITIES],
          migrations: [...PHONE_CALL_AUTH_MIGRATIONS],
          migrationsRun: true,
        }),
        PhoneCallAuthModule.forRootAsync({
          imports: [SampleConfigModule],
          inject: [SAMPLE_CONFIG],
          useFactory: (sample: SampleConfig) => ({
            provider: (fake?.provider() ?? new SsmsProvider(sample.ssms!)) as TelephonyProvider,
            callbackSecret: sample.callbackSecret,
            jwt: { secret: sample.jwtSecret },
            windowSeconds: sample.windowSeconds,
          }),
        }),
      ],
      controllers: fake ? [MeController, FakeCallsController] : [MeController],
    };
  }
}
