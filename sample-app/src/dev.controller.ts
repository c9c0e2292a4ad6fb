import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
} from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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

/**
 * Only on the fake platform: places calls as if the subscriber dialed, so the flow runs with no
 * phone. The sample app listens on 127.0.0.1 then, so these routes stay local.
 */
@ApiTags('development (fake platform only)')
@Controller('dev')
export class DevController {
  constructor(
    @Inject(FAKE_PLATFORM) private readonly fake: FakeSsmsPlatform,
    private readonly dataSource: DataSource,
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
  @ApiBody({ schema: { properties: { scenario: { enum: ['call', 'other-number', 'too-late'] } } } })
  @ApiOkResponse({ description: "The caller used and the app's answer to the callback." })
  async callFor(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body?: { scenario?: FakeCallScenario },
  ): Promise<FakeCallResult> {
    const scenario = body?.scenario ?? 'call';
    if (!SCENARIOS.includes(scenario)) throw new BadRequestException(`scenario must be one of ${SCENARIOS.join(', ')}`);
    const verification = scenario === 'too-late' ? await this.endWindow(id) : await this.find(id);
    const from = scenario === 'other-number' ? anotherNumber(verification.phone) : verification.phone;
    if (!verification.callTo) throw new ConflictException('This verification is proven by an SMS code, not a call.');
    const callback = await this.fake.placeCall({ from, to: verification.callTo.replace(/^\+/, '') });
    return { scenario, from, callback };
  }

  /** The SMS the fake platform "delivered" for a verification: what the person would read on their phone. */
  @Get('verifications/:id/sms')
  @ApiOperation({ summary: 'The SMS the fake platform delivered to the phone of a verification' })
  @ApiOkResponse({ description: '{text, sentAt}' })
  async smsFor(@Param('id', new ParseUUIDPipe()) id: string): Promise<{ text: string; sentAt: Date }> {
    const verification = await this.find(id);
    const sms = this.fake.lastSms(verification.phone);
    if (!sms) throw new NotFoundException('No SMS was sent to this number.');
    return { text: sms.text, sentAt: sms.createdAt };
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
