import test from 'ava';
import { WglabError } from '../../harness/errors.ts';
import { connectEngine } from '../../harness/lab/engine.ts';
import { buildWithDockerfile } from '../../harness/lab/lab-image.ts';

// Without a Debian archive in apt (an Ubuntu host), wglab builds lab-image/Dockerfile through the engine. Where
// the engine cannot pull its base image (this machine reaches no registry), that is a clear error that says
// what to do, not a stack trace.
test('the Dockerfile fallback fails clearly where the engine cannot pull its base image', async (t) => {
  const engine = await connectEngine();
  const pulls = await engine.dockerode
    .getImage('debian:bookworm-slim')
    .inspect()
    .then(
      () => true,
      () => false,
    );
  if (pulls) {
    t.pass('debian:bookworm-slim is present here: the fallback would build; nothing to check');
    return;
  }
  const error = await t.throwsAsync(
    buildWithDockerfile(engine, 'wglab-fallback-test:never', () => {}),
    { instanceOf: WglabError },
  );
  t.regex(error!.message, /no Debian archive for debootstrap .* could not build lab-image\/Dockerfile/);
  t.regex(error!.hint ?? '', /WGLAB_IMAGE/);
  t.false(
    await engine.dockerode
      .getImage('wglab-fallback-test:never')
      .inspect()
      .then(
        () => true,
        () => false,
      ),
  );
});
