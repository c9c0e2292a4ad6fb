import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SameOriginOnly, VerificationService } from 'nestjs-phone-call-auth';
import {
  endVerificationWindow,
  type FakeCall,
  type FakeSsmsPlatform,
  findVerification,
  type VerificationFixture,
} from 'nestjs-phone-call-auth/testing';
import { DataSource } from 'typeorm';

/** The fake platform the app runs on; the dev routes exist only then. */
export const FAKE_PLATFORM = 'FAKE_PLATFORM';

/** What the development panel can make the fake platform do for a verification. */
export type FakeCallScenario = 'call' | 'other-number' | 'too-late';

/** The fake platform's report of a call, and the app's answer to it. */
export interface FakeCallResult {
  scenario: FakeCallScenario | 'custom';
  from: string;
  callback: { status: number; body: string };
}

const SCENARIOS: FakeCallScenario[] = ['call', 'other-number', 'too-late'];

/** Another number of the same length: the last digit changed. */
function anotherNumber(phone: string): string {
  return phone.slice(0, -1) + String((Number(phone.at(-1)) + 1) % 10);
}

/** What the page sends for a verification: its secret (from the start answer) and, for a call, the scenario. */
interface ForVerification {
  secret?: unknown;
  scenario?: FakeCallScenario;
}

/**
 * Only on the fake platform: places calls as if the subscriber dialed, so the flow runs with no
 * phone. The sample app listens on 127.0.0.1 then (any other HOST is refused unless
 * PHONE_CALL_FAKE_PLATFORM_PUBLIC=yes), and the routes take JSON from the app's own page only
 * (`@SameOriginOnly()`: a page of another site cannot make a visitor's browser place calls). The
 * routes of one verification need its secret, as the module's own routes do: whoever knows only
 * the id can neither read its SMS code nor complete it.
 */
@ApiTags('development (fake platform only)')
@Controller('dev')
@SameOriginOnly()
export class DevController {
  constructor(
    @Inject(FAKE_PLATFORM) private readonly fake: FakeSsmsPlatform,
    private readonly dataSource: DataSource,
    private readonly verifications: VerificationService,
  ) {}

  /** The fake platform's callback for any caller, as `FakeSsmsPlatform.placeCall` takes it. */
  @Post('fake-calls')
  @ApiOperation({ summary: 'Place a call on the fake platform: {from, to?, withWaitId?, params?}' })
  @ApiOkResponse({ description: "The app's answer to the fake platform's callback: {status, body}." })
  placeCall(@Body() call: FakeCall): Promise<{ status: number; body: string }> {
    return this.fake.placeCall(call);
  }

  /**
   * A call for a verification, as the page's development panel asks for it: from its number
   * (`call`), from another number (`other-number`: verifies nothing), or after its window
   * (`too-late`: the window is made to pass first, then the call comes).
   */
  @Post('verifications/:id/calls')
  @HttpCode(200)
  @ApiOperation({ summary: 'Place a call for a verification: scenario call, other-number or too-late' })
  @ApiBody({
    schema: {
      required: ['secret'],
      properties: { secret: { type: 'string' }, scenario: { enum: ['call', 'other-number', 'too-late'] } },
    },
  })
  @ApiOkResponse({ description: "The caller used and the app's answer to the callback." })
  async callFor(@Param('id', new ParseUUIDPipe()) id: string, @Body() body?: ForVerification): Promise<FakeCallResult> {
    const scenario = body?.scenario ?? 'call';
    if (!SCENARIOS.includes(scenario)) throw new BadRequestException(`scenario must be one of ${SCENARIOS.join(', ')}`);
    await this.authenticate(id, body);
    const verification = scenario === 'too-late' ? await this.endWindow(id) : await this.find(id);
    const from = scenario === 'other-number' ? anotherNumber(verification.phone) : verification.phone;
    if (!verification.callTo) throw new ConflictException('This verification is proven by an SMS code, not a call.');
    const callback = await this.fake.placeCall({ from, to: verification.callTo.replace(/^\+/, '') });
    return { scenario, from, callback };
  }

  /**
   * The SMS the fake platform "delivered" for a verification: what the person would read on their
   * phone. A POST with the secret in the body: the code is as good as the secret.
   */
  @Post('verifications/:id/sms')
  @HttpCode(200)
  @ApiOperation({ summary: 'The SMS the fake platform delivered to the phone of a verification' })
  @ApiBody({ schema: { required: ['secret'], properties: { secret: { type: 'string' } } } })
  @ApiOkResponse({ description: '{text, sentAt}' })
  async smsFor(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body?: ForVerification,
  ): Promise<{ text: string; sentAt: Date }> {
    await this.authenticate(id, body);
    const verification = await this.find(id);
    const sms = this.fake.lastSms(verification.phone);
    if (!sms) throw new NotFoundException('No SMS was sent to this number.');
    return { text: sms.text, sentAt: sms.createdAt };
  }

  /** The verification's secret, checked as the module checks it: 400 without one, 401 for a wrong one. */
  private async authenticate(id: string, body: ForVerification | undefined): Promise<void> {
    const secret = body?.secret;
    if (typeof secret !== 'string' || secret.length === 0 || secret.length > 256) {
      throw new BadRequestException('secret is required: send {"secret": "..."} from the start answer.');
    }
    if (!(await this.verifications.authenticate(id, secret))) {
      throw new UnauthorizedException('Unknown verification or wrong secret.');
    }
  }

  private async find(id: string): Promise<VerificationFixture> {
    const verification = await findVerification(this.dataSource, id);
    if (!verification) throw new NotFoundException('No such verification.');
    return verification;
  }

  /** Ends a pending verification's window now, on the database clock that decides lateness. */
  private async endWindow(id: string): Promise<VerificationFixture> {
    const verification = await endVerificationWindow(this.dataSource, id);
    if (!verification) throw new ConflictException('Only a pending verification can be made late.');
    return verification;
  }
}
