// Progress output shared by the benchmarks: always on stderr, so `--json` keeps stdout clean.

export const say = (m: string): void => {
  process.stderr.write(`[bench] ${m}\n`);
};

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
