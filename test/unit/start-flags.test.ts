import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * contactflow starts with node flags (docs/operations.md, "Node flags") in two places: `npm start`
 * and the image's CMD. The bench reads them from package.json. They must not drift apart, and node
 * must accept them (a misspelled V8 flag stops the process at start).
 */
const ROOT = path.resolve(__dirname, '../..');

function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const [node, ...rest] = pkg.scripts.start.split(/\s+/);
  expect(node).toBe('node');
  return rest.filter((a) => a.startsWith('--'));
}

function dockerfileFlags(): string[] {
  const cmd = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').match(/^CMD (\[.*\])$/m);
  expect(cmd).not.toBeNull();
  const [node, ...rest] = JSON.parse(cmd![1]!) as string[];
  expect(node).toBe('node');
  return rest.filter((a) => a.startsWith('--'));
}

it('npm start and the Dockerfile start node with the same flags: the heap sizing and the V8 pool', () => {
  expect(startFlags()).toEqual(expect.arrayContaining(['--initial-old-space-size=512', '--min-semi-space-size=64', '--max-semi-space-size=64', '--v8-pool-size=1']));
  expect(dockerfileFlags()).toEqual(startFlags());
});

it('node accepts those flags', () => {
  const run = spawnSync(process.execPath, [...startFlags(), '-e', 'process.exit(0)'], { encoding: 'utf8' });
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
});
