import test from 'ava';
import type Dockerode from 'dockerode';
import type { Engine } from './engine.ts';
import { EngineGoneError, engineWentAway } from './engine-gone.ts';

/** An engine whose ping answers (or not), counting the pings. */
function fakeEngine(answers: boolean): Engine & { pings: number } {
  const engine = {
    name: 'tcp://10.0.0.9:2375',
    pings: 0,
    dockerode: {
      ping: async () => {
        engine.pings += 1;
        if (!answers) throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:2375'), { code: 'ECONNREFUSED' });
        return 'OK';
      },
    } as unknown as Dockerode,
  };
  return engine;
}

test('a refused or reset connection, or an EngineGoneError, is the engine gone without asking it', async (t) => {
  for (const error of [
    Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    new Error('socket hang up'),
    new EngineGoneError(undefined, 'tcp://10.0.0.9:2375'),
  ]) {
    const engine = fakeEngine(true);
    t.true(await engineWentAway(engine, error), error.message);
    t.is(engine.pings, 0, error.message);
  }
});

test("any other failure asks the engine: gone when it does not answer, the command's own failure when it does", async (t) => {
  const failure = new Error('the shell session ended');
  const answering = fakeEngine(true);
  t.false(await engineWentAway(answering, failure));
  t.is(answering.pings, 1);
  const silent = fakeEngine(false);
  t.true(await engineWentAway(silent, failure));
  t.is(silent.pings, 1);
});

test('the engine gone is named as given', (t) => {
  t.regex(
    new EngineGoneError(undefined, 'tcp://10.0.0.9:2375').message,
    /^the Docker engine \(tcp:\/\/10\.0\.0\.9:2375\) stopped answering$/,
  );
});
