import { selfByArea } from '../../bench/profile-summary';

/**
 * The bench's profile summary weighs each sample by the time until the next one, as DevTools does.
 * The gap before the first sample is the profiler starting up and belongs to no function: counted,
 * it made a quick drain's profile show 13 % in inspector `dispatch` (bench/README.md).
 */
it('weighs a sample by the time until the next sample, not the gap before it', () => {
  const frame = (id: number, functionName: string, url: string) => ({ id, callFrame: { functionName, url, scriptId: '0', lineNumber: 0, columnNumber: 0 } });
  const profile = {
    nodes: [frame(1, '(root)', ''), frame(2, 'dispatch', ''), frame(3, 'work', 'file:///app/src/work.ts'), frame(4, 'more', 'file:///app/node_modules/lib/index.js')],
    samples: [2, 3, 4],
    // 50 ms of start-up before the first sample, then 1 ms and 2 ms between samples; 3 ms to the end.
    timeDeltas: [50_000, 1_000, 2_000],
    startTime: 0,
    endTime: 56_000,
  };
  const areas = selfByArea(JSON.stringify(profile));
  expect(areas.get('(native) dispatch')).toBe(1_000);
  expect(areas.get('src/work.ts')).toBe(2_000);
  expect(areas.get('lib')).toBe(3_000);
});
