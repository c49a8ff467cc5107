// The training progress line on stderr: epoch, step/total with a bar, loss, steps/s and ETA,
// redrawn in place with \r at most ten times a second, like Keras' and tqdm's. Only drawn when
// stderr is a terminal; formatting is separate (formatProgress) so it can be tested as text.

export interface ProgressState {
  epoch: number;
  epochs: number;
  /** Batches done in this epoch, and how many there are (null when unknown). */
  batch: number;
  batches: number | null;
  /** Mean training loss so far this epoch (null before the first batch). */
  loss: number | null;
  /** Seconds since the epoch started. */
  elapsed: number;
  /** Replaces "Epoch e/E" at the start of the line (the CLI's "encode", "episodes"). */
  label?: string;
  /** What `batch` counts, for the rate ("steps" unless given: word2vec counts "words"). */
  unit?: string;
}

/** 0:07, 1:05, 1:02:03; "?" when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** Four decimals in the usual range, scientific outside it. */
export function formatLoss(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? v.toExponential(3) : v.toFixed(4);
}

function formatRate(stepsPerSecond: number, unit = "steps"): string {
  if (!Number.isFinite(stepsPerSecond) || stepsPerSecond <= 0) return `? ${unit}/s`;
  if (stepsPerSecond < 1) return `${(1 / stepsPerSecond).toFixed(2)} s/${unit.replace(/s$/, "")}`;
  return `${stepsPerSecond >= 100 ? stepsPerSecond.toFixed(0) : stepsPerSecond >= 10 ? stepsPerSecond.toFixed(1) : stepsPerSecond.toFixed(2)} ${unit}/s`;
}

function bar(done: number, total: number, width: number): string {
  const filled = Math.min(width, Math.floor((done / total) * width));
  if (filled >= width) return `[${"=".repeat(width)}]`;
  return `[${"=".repeat(filled)}>${" ".repeat(width - filled - 1)}]`;
}

/**
 * One progress line, at most `columns` wide: "Epoch 2/10 45/120 [=====>    ] loss 0.4312
 * 38.2 steps/s ETA 0:02". The bar shrinks (and goes) first when the terminal is narrow.
 */
export function formatProgress(s: ProgressState, columns = 100): string {
  const rate = s.elapsed > 0 ? s.batch / s.elapsed : NaN;
  const head = `${s.label ?? `Epoch ${s.epoch}/${s.epochs}`} ${s.batch}/${s.batches ?? "?"}`;
  const tail: string[] = [];
  if (s.loss !== null) tail.push(`loss ${formatLoss(s.loss)}`);
  if (s.batch > 0) tail.push(formatRate(rate, s.unit));
  if (s.batches !== null && s.batch > 0) tail.push(`ETA ${formatDuration((s.batches - s.batch) / rate)}`);
  const rest = tail.join("  ");
  const room = columns - head.length - rest.length - 4;
  const barText = s.batches !== null && s.batches > 0 && room >= 12 ? ` ${bar(s.batch, s.batches, Math.min(30, room - 2))}` : "";
  const line = `${head}${barText}  ${rest}`.trimEnd();
  return line.length > columns ? line.slice(0, Math.max(0, columns - 1)) + "…" : line;
}

/** The line printed when an epoch ends: losses, metrics, learning rate, time. */
export function formatEpochSummary(epoch: number, epochs: number, values: Record<string, number | null>, seconds: number): string {
  const parts = [`Epoch ${epoch}/${epochs}`];
  for (const [name, v] of Object.entries(values)) if (v !== null) parts.push(`${name} ${name === "lr" ? v.toPrecision(3) : formatLoss(v)}`);
  parts.push(seconds < 60 ? `${seconds.toFixed(1)}s` : formatDuration(seconds));
  return parts.join("  ");
}

export interface ProgressStream {
  write(text: string): unknown;
  columns?: number;
}

/** Redraws one line in place, throttled to one draw per minIntervalMs (the last state always shows at end()). */
export class ProgressBar {
  private last = -Infinity;

  constructor(private readonly stream: ProgressStream, private readonly now: () => number = () => performance.now(), private readonly minIntervalMs = 100) {}

  update(state: ProgressState): void {
    const t = this.now();
    if (t - this.last < this.minIntervalMs) return;
    this.last = t;
    this.stream.write(`\r${formatProgress(state, this.stream.columns ?? 100)}\x1b[K`);
  }

  /** Replaces the line with `summary` and moves to the next line. */
  end(summary: string): void {
    this.stream.write(`\r${summary}\x1b[K\n`);
    this.last = -Infinity;
  }
}

/** A bar on process.stderr when it is a terminal; null otherwise (pipes, CI, browsers, workers). */
export function stderrProgressBar(): ProgressBar | null {
  const stderr = (globalThis as { process?: { stderr?: ProgressStream & { isTTY?: boolean } } }).process?.stderr;
  if (stderr === undefined || stderr.isTTY !== true || typeof stderr.write !== "function") return null;
  return new ProgressBar(stderr);
}
