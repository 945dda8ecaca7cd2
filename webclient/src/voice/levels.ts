// Level math shared by the worklet and the UI: power in dBFS, and where a level sits on a meter.

/** The quietest level we tell apart from silence. */
export const FLOOR_DB = -100;

/** Mean power of `samples` (full scale = 0 dBFS), or FLOOR_DB for silence or no samples. */
export function powerDb(sumOfSquares: number, count: number): number {
  if (count <= 0 || sumOfSquares <= 0) return FLOOR_DB;
  return Math.max(FLOOR_DB, 10 * Math.log10(sumOfSquares / count));
}

export function sumOfSquares(samples: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
  return sum;
}

export function rmsDb(samples: Float32Array): number {
  return powerDb(sumOfSquares(samples), samples.length);
}

/** A meter spans the last 60 dB below full scale: -60 dBFS and below is empty, 0 dBFS full. */
export const METER_RANGE_DB = 60;

export function meterFraction(db: number): number {
  return Math.min(1, Math.max(0, (db + METER_RANGE_DB) / METER_RANGE_DB));
}
