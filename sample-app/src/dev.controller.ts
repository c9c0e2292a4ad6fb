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
} from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FakeCall, FakeSsmsPlatform } from 'nestjs-phone-call-auth/testing';
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

interface VerificationRow {
  phone: string;
  call_to: string;
}

const SCENARIOS: FakeCallScenario[] = ['call', 'other-number', 'too-late'];
const SELECT = `SELECT phone, call_to FROM phone_call_verification WHERE id = $1`;
const END_WINDOW = `
  UPDATE phone_call_verification SET expires_at = LEAST(expires_at, now())
  WHERE id = $1 AND status = 'pending' RETURNING phone, call_to`;

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
    const callback = await this.fake.placeCall({ from, to: verification.call_to.replace(/^\+/, '') });
    return { scenario, from, callback };
  }

  private async find(id: string): Promise<VerificationRow> {
    const [row] = (await this.dataSource.query(SELECT, [id])) as VerificationRow[];
    if (!row) throw new NotFoundException('No such verification.');
    return row;
  }

  /** Ends a pending verification's window now, on the database clock that decides lateness. */
  private async endWindow(id: string): Promise<VerificationRow> {
    // For an UPDATE, TypeORM's query() answers [rows, count] on Postgres.
    const [[row]] = (await this.dataSource.query(END_WINDOW, [id])) as [VerificationRow[], number];
    if (!row) throw new ConflictException('Only a pending verification can be made late.');
    return row;
  }
}
