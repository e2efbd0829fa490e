// Everything imctl prints goes through Output: it decides colour, JSON vs human, and
// runs the Redactor over each write. Human progress goes to stderr when --json is on, so
// stdout stays machine-readable.
import { Redactor } from './redact';

export interface TextSink {
  write(chunk: string): unknown;
  /** True when the sink is an interactive terminal. */
  isTTY?: boolean;
}

export interface OutputOptions {
  stdout: TextSink;
  stderr: TextSink;
  json: boolean;
  color: boolean;
  verbose: boolean;
  redactor: Redactor;
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1 } as const;
export type Colour = keyof typeof CODES;
export const SERVICE_COLOURS: readonly Colour[] = ['cyan', 'magenta', 'blue', 'yellow', 'green'];

export class Output {
  constructor(private readonly o: OutputOptions) {}

  get json(): boolean {
    return this.o.json;
  }
  get verbose(): boolean {
    return this.o.verbose;
  }
  get redactor(): Redactor {
    return this.o.redactor;
  }

  paint(colour: Colour, text: string): string {
    return this.o.color ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
  }

  /**
   * Human result text (stdout). Suppressed under --json.
   * @param reveal skip redaction: only for values the user explicitly asked to see (--show-secrets)
   */
  line(text = '', reveal = false): void {
    if (this.o.json) return;
    this.o.stdout.write((reveal ? text : this.o.redactor.redact(text)) + '\n');
  }

  /** Progress and notices: stderr, so they never mix with data on stdout. */
  progress(text: string): void {
    this.o.stderr.write(this.o.redactor.redact(text) + '\n');
  }

  warn(text: string): void {
    this.o.stderr.write(this.o.redactor.redact(`${this.paint('yellow', 'warning:')} ${text}`) + '\n');
  }

  error(text: string): void {
    this.o.stderr.write(this.o.redactor.redact(`${this.paint('red', 'error:')} ${text}`) + '\n');
  }

  debug(text: string): void {
    if (this.o.verbose) this.o.stderr.write(this.o.redactor.redact(this.paint('gray', text)) + '\n');
  }

  /** One JSON document (or one NDJSON record) on stdout; `reveal` as for line(). */
  data(value: unknown, reveal = false): void {
    const text = JSON.stringify(value);
    this.o.stdout.write((reveal ? text : this.o.redactor.redact(text)) + '\n');
  }

  /** Raw text on stdout (logs), still redacted. */
  raw(text: string): void {
    this.o.stdout.write(this.o.redactor.redact(text));
  }
}
