import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { scriptedStudy } from './fixtures/study-events.ts';

// Ink decides once, when its module is first evaluated, whether it runs under CI (the is-in-ci
// package reads CI and CONTINUOUS_INTEGRATION). Under CI it draws no live frame until unmount, which
// is right for a real run (skewer picks the plain reporter there) but not for this test of the live
// TUI. The reporter loads Ink lazily, so clearing both variables before the first createReporter
// call of this process is enough; nothing above imports Ink.
delete process.env['CI'];
delete process.env['CONTINUOUS_INTEGRATION'];

function fakeTerminal() {
  const written: string[] = [];
  const out = Object.assign(new EventEmitter(), { columns: 100, rows: 40, isTTY: true, write: (text: string) => (written.push(text), true) });
  const stdin = Object.assign(new EventEmitter(), {
    isTTY: true,
    data: null as string | null,
    setEncoding() {},
    setRawMode() {},
    ref() {},
    unref() {},
    resume() {},
    pause() {},
    read() {
      const data = this.data;
      this.data = null;
      return data;
    },
  });
  const press = (key: string) => {
    stdin.data = key;
    stdin.emit('readable');
  };
  return { out, stdin: stdin as unknown as NodeJS.ReadStream, press, text: () => written.join('') };
}

test('tui reporter: events sent before Ink loads are shown, q resolves `exited` with the answer', async () => {
  const { createReporter } = await import('../../src/ui/index.ts');
  const terminal = fakeTerminal();
  const quits: string[] = [];
  const reporter = createReporter({ mode: 'tui', out: terminal.out, stdin: terminal.stdin, color: false, onQuit: (c) => quits.push(c) });
  try {
    // Sent at once, while the Ink module is still loading: the reporter must queue them.
    for (const event of scriptedStudy()) reporter.onEvent(event);
    const deadline = Date.now() + 10_000;
    while (!terminal.text().includes('study parts') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.match(terminal.text(), /study parts · sampler tpe · 4\/10 done/);
    terminal.press('q');
    assert.equal(await reporter.exited, 'detach');
    assert.deepEqual(quits, ['detach']);
  } finally {
    // Unmount even when an assertion failed, so a failure reports at once instead of holding the
    // test file open until the runner's timeout.
    await reporter.close();
  }
});
