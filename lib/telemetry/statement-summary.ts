/** Summaries of unnamed statements, by text (the builders' texts are a bounded set of constants). */
const SUMMARIES = new Map<string, string>();
/** A bound, should some caller build texts without end: past it, summaries are computed each time. */
const MAX_SUMMARIES = 256;

/**
 * A low-cardinality name for a statement: its own name (`phone_call_auth_match`), else its first
 * data-changing operation (or `SELECT`) and the first of the module's tables it names, as
 * OpenTelemetry's `db.query.summary` (`UPDATE phone_call_verification`). Never a value.
 */
export function statementSummary({ text, name }: { text: string; name?: string }): string {
  if (name) return name;
  const known = SUMMARIES.get(text);
  if (known) return known;
  const operation = /\b(INSERT|UPDATE|DELETE|SELECT)\b/i.exec(text)?.[1]?.toUpperCase();
  const table = /\bphone_call_[a-z_]+/i.exec(text)?.[0];
  const summary = [operation ?? 'OTHER', table].filter(Boolean).join(' ');
  if (SUMMARIES.size < MAX_SUMMARIES) SUMMARIES.set(text, summary);
  return summary;
}
