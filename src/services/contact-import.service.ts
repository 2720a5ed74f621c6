import { CsvError, parse } from 'csv-parse/sync';
import { LIMITS, sourceNameKey } from '../domain';
import { canonicalJson } from '../jobs/idempotency';
import { AppError } from '../shared/errors';
import { hash } from 'node:crypto';
import type { BatchIntakeService, ItemProblem } from './batch-intake.service';

export const IMPORT_ACTIVITY_TYPE = 'contact.imported';
export const IMPORT_SOURCE = 'import';

export interface ContactImportDeps {
  /** The batch intake (same validation, idempotency and producer), sized for maxRows items. */
  batch: BatchIntakeService;
  maxRows: number;
  now?(): Date;
}

/** One data row, in the order of the file. `row` counts the header as row 1, as a spreadsheet does. */
interface ParsedRow {
  row: number;
  cells: string[];
}

export interface ParsedImport {
  columns: Column[];
  rows: ParsedRow[];
}

type Column = { kind: 'email' | 'phone' | 'occurredAt' } | { kind: 'field'; name: string };

export type ImportRowResult = { row: number; id: string; status: 'queued' | 'duplicate' } | { row: number; status: 'error'; problem: ItemProblem };

export interface ImportResult {
  summary: { queued: number; duplicate: number; error: number };
  results: ImportRowResult[];
}

/**
 * Header names that carry an identifier or the event time instead of a field, compared the way
 * field source names are ("E-mail", "email_address" and "Email Address" are one name).
 */
const RESERVED: Record<string, 'email' | 'phone' | 'occurredAt'> = {
  email: 'email',
  emailaddress: 'email',
  phone: 'phone',
  phonenumber: 'phone',
  mobile: 'phone',
  occurredat: 'occurredAt',
};

// What the activity envelope accepts as a field key (activity-envelope.schema.ts).
const FIELD_NAME = /^[^$.\0][^.\0]{0,99}$/;

/**
 * POST /v1/contacts/import: a CSV whose rows become `contact.imported` activities. Each row goes
 * through the batch intake and so through the normal pipeline (identity rules, field mapping by
 * the account's source names, since the worker maps every field name; event-time merging).
 *
 * Idempotent by row content: a row's key is a hash of its identifiers, its field values (by header
 * name) and its occurredAt column when the file has one, not of the import time, so importing the
 * same file again answers `duplicate` (or, after Redis forgot, is recorded once by the worker).
 */
export function createContactImportService(deps: ContactImportDeps) {
  const now = deps.now ?? (() => new Date());

  return {
    /** Parses and checks the file as a whole: 400 for a malformed file or header, 413 for too many rows. */
    parse(text: string): ParsedImport {
      let records: { record: string[]; info: { records: number } }[];
      try {
        records = parse(text, {
          bom: true,
          info: true,
          relax_column_count: true,
          skip_empty_lines: true,
          // One record past the limit is enough to know it is over.
          to: deps.maxRows + 2,
        }) as unknown as { record: string[]; info: { records: number } }[];
      } catch (err) {
        if (err instanceof CsvError) {
          const line = typeof err.lines === 'number' ? err.lines : null;
          throw new AppError('malformed_csv', `The CSV is malformed${line ? ` at line ${line}` : ''}: ${err.message}`, 400, {
            errors: [{ path: line ? `line ${line}` : '(body)', message: err.message }],
          });
        }
        throw err;
      }
      const [header, ...data] = records;
      if (!header) throw new AppError('import_empty', 'The CSV is empty: send a header row and at least one data row', 400);
      if (data.length === 0) throw new AppError('import_empty', 'The CSV has a header but no data rows', 400);
      if (data.length > deps.maxRows) {
        throw new AppError('import_too_large', `An import holds at most ${deps.maxRows} rows; split the file`, 413);
      }
      return { columns: columnsOf(header.record), rows: data.map((r) => ({ row: r.info.records, cells: r.record })) };
    },

    /** Turns each row into an activity and enqueues the valid ones together; answers per row. */
    async enqueue(account: string, file: ParsedImport): Promise<ImportResult> {
      const importedAt = now().toISOString();
      const results: (ImportRowResult | null)[] = [];
      const items: { at: number; row: number; item: Record<string, unknown> }[] = [];
      for (const { row, cells } of file.rows) {
        const built = toItem(file.columns, cells, importedAt);
        if ('problem' in built) {
          results.push({ row, status: 'error', problem: built.problem });
          continue;
        }
        items.push({ at: results.length, row, item: built.item });
        results.push(null);
      }
      if (items.length > 0) {
        const accepted = await deps.batch.accept(account, { activities: items.map((i) => i.item) });
        accepted.results.forEach((r, i) => {
          const { at, row } = items[i]!;
          results[at] = r.status === 'error' ? { row, status: 'error', problem: { ...r.problem, detail: 'The row is invalid' } } : { row, id: r.id, status: r.status };
        });
      }
      const done = results as ImportRowResult[];
      const count = (s: ImportRowResult['status']) => done.filter((r) => r.status === s).length;
      return { summary: { queued: count('queued'), duplicate: count('duplicate'), error: count('error') }, results: done };
    },
  };
}

export type ContactImportService = ReturnType<typeof createContactImportService>;

function columnsOf(header: string[]): Column[] {
  const problems: { path: string; message: string }[] = [];
  const seen = new Map<string, string>();
  const columns = header.map((raw, i): Column => {
    const name = raw.trim();
    const reserved = RESERVED[sourceNameKey(name)];
    const key = reserved ?? name;
    if (seen.has(key)) problems.push({ path: `header[${i}]`, message: `"${name}" repeats "${seen.get(key)}"` });
    seen.set(key, name);
    if (reserved) return { kind: reserved };
    if (!FIELD_NAME.test(name)) problems.push({ path: `header[${i}]`, message: 'a column name is 1–100 characters, not starting with $ and without "."' });
    return { kind: 'field', name };
  });
  if (!columns.some((c) => c.kind === 'email' || c.kind === 'phone')) {
    problems.push({ path: 'header', message: 'needs an email or a phone column' });
  }
  if (columns.filter((c) => c.kind === 'field').length > LIMITS.fieldsPerActivity) {
    problems.push({ path: 'header', message: `at most ${LIMITS.fieldsPerActivity} field columns` });
  }
  if (problems.length) throw new AppError('import_header_invalid', 'The CSV header is not usable', 400, { errors: problems });
  return columns;
}

function toItem(columns: Column[], cells: string[], importedAt: string): { item: Record<string, unknown> } | { problem: ItemProblem } {
  if (cells.length !== columns.length) {
    return { problem: rowProblem([{ path: 'row', message: `expected ${columns.length} columns, found ${cells.length}` }]) };
  }
  let email: string | undefined;
  let phone: string | undefined;
  let occurredAt: string | undefined;
  const fields: Record<string, string> = {};
  columns.forEach((c, i) => {
    const value = cells[i]!.trim();
    if (value === '') return; // an empty cell says nothing, and never clears a value
    if (c.kind === 'field') setField(fields, c.name, value);
    else if (c.kind === 'email') email = value;
    else if (c.kind === 'phone') phone = value;
    else occurredAt = value;
  });
  if (email === undefined && phone === undefined) {
    return { problem: rowProblem([{ path: 'email', message: 'a row needs an email or a phone' }]) };
  }
  const content = { email: email ?? null, phone: phone ?? null, occurredAt: occurredAt ?? null, fields };
  return {
    item: {
      idempotencyKey: `import:${hash('sha256', canonicalJson(content), 'hex')}`,
      type: IMPORT_ACTIVITY_TYPE,
      source: IMPORT_SOURCE,
      occurredAt: occurredAt ?? importedAt,
      ...(email === undefined ? {} : { email }),
      ...(phone === undefined ? {} : { phone }),
      ...(Object.keys(fields).length ? { fields } : {}),
    },
  };
}

function setField(fields: Record<string, string>, name: string, value: string): void {
  // defineProperty only for "__proto__", which `=` would take as the prototype.
  if (name === '__proto__') Object.defineProperty(fields, name, { value, enumerable: true, writable: true, configurable: true });
  else fields[name] = value;
}

function rowProblem(errors: ItemProblem['errors']): ItemProblem {
  return { type: '/problems/validation_failed', title: 'Bad Request', status: 400, detail: 'The row is invalid', code: 'validation_failed', errors };
}
