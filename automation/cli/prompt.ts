// Interactive questions. Injected so tests answer them; the real one only works on a TTY
// and reads secrets without echo.
import * as readline from 'readline';
import { Writable } from 'stream';

export interface Prompter {
  /** True when stdin and stderr are terminals, i.e. a human can answer. */
  readonly interactive: boolean;
  /** Free-text answer, trimmed. */
  ask(question: string): Promise<string>;
  /** Answer read without echo. */
  askSecret(question: string): Promise<string>;
}

export async function confirm(prompter: Prompter, question: string): Promise<boolean> {
  const answer = (await prompter.ask(`${question} [y/N] `)).toLowerCase();
  return answer === 'y' || answer === 'yes';
}

export class TtyPrompter implements Prompter {
  constructor(
    private readonly input: NodeJS.ReadStream = process.stdin,
    private readonly output: NodeJS.WriteStream = process.stderr,
  ) {}

  get interactive(): boolean {
    return Boolean(this.input.isTTY && this.output.isTTY);
  }

  ask(question: string): Promise<string> {
    const rl = readline.createInterface({ input: this.input, output: this.output, terminal: true });
    return new Promise<string>((resolve) => {
      rl.question(question, (answer) => {
        rl.close();
        resolve(answer.trim());
      });
    });
  }

  askSecret(question: string): Promise<string> {
    let muted = false;
    const out = this.output;
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb): void {
        if (!muted) out.write(chunk);
        cb();
      },
    });
    const rl = readline.createInterface({ input: this.input, output: sink, terminal: true });
    return new Promise<string>((resolve) => {
      rl.question(question, (answer) => {
        rl.close();
        out.write('\n');
        resolve(answer);
      });
      muted = true;
    });
  }
}
