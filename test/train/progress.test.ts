// The progress line as text (formatProgress, formatEpochSummary, durations, losses) and the
// throttled redraw of ProgressBar with a fake clock: at most one draw per 100 ms, \r-prefixed,
// cleared to the end of the line, the summary ending the line.
import { describe, expect, it } from "vitest";
import { formatProgress, formatEpochSummary, formatDuration, formatLoss, ProgressBar } from "../../src/train/index.js";

describe("progress formatting", () => {
  it("formats durations and losses", () => {
    expect(formatDuration(0)).toBe("0:00");
    expect(formatDuration(7.4)).toBe("0:07");
    expect(formatDuration(65)).toBe("1:05");
    expect(formatDuration(3723)).toBe("1:02:03");
    expect(formatDuration(Infinity)).toBe("?");
    expect(formatDuration(NaN)).toBe("?");
    expect(formatLoss(0.43125)).toBe("0.4313");
    expect(formatLoss(2.5)).toBe("2.5000");
    expect(formatLoss(0.000123)).toBe("1.230e-4");
    expect(formatLoss(123456)).toBe("1.235e+5");
    expect(formatLoss(0)).toBe("0.0000");
    expect(formatLoss(NaN)).toBe("NaN");
  });

  it("shows epoch, step/total with a bar, loss, steps/s and ETA", () => {
    const line = formatProgress({ epoch: 2, epochs: 10, batch: 45, batches: 120, loss: 0.43125, elapsed: 1.5 });
    expect(line).toBe("Epoch 2/10 45/120 [===========>                  ]  loss 0.4313  30.0 steps/s  ETA 0:03");
    expect(formatProgress({ epoch: 1, epochs: 1, batch: 120, batches: 120, loss: 0.1, elapsed: 2 })).toContain("[==============================]");
    expect(formatProgress({ epoch: 1, epochs: 3, batch: 0, batches: 50, loss: null, elapsed: 0 })).toBe("Epoch 1/3 0/50 [>                             ]");
    expect(formatProgress({ epoch: 1, epochs: 1, batch: 3, batches: 10, loss: 1, elapsed: 6 })).toContain("2.00 s/step");
    expect(formatProgress({ epoch: 1, epochs: 1, batch: 500, batches: 1000, loss: 1, elapsed: 1 })).toContain("500 steps/s");
    expect(formatProgress({ epoch: 1, epochs: 1, batch: 5, batches: null, loss: 1, elapsed: 1 })).toBe("Epoch 1/1 5/?  loss 1.0000  5.00 steps/s");
  });

  it("fits narrow terminals: the bar shrinks, then goes, then the line is cut", () => {
    const s = { epoch: 2, epochs: 10, batch: 45, batches: 120, loss: 0.43125, elapsed: 1.5 };
    const wide = formatProgress(s, 200);
    const mid = formatProgress(s, 70);
    const narrow = formatProgress(s, 50);
    const tiny = formatProgress(s, 20);
    expect(wide.length).toBeLessThanOrEqual(200);
    expect(mid.length).toBeLessThanOrEqual(70);
    expect(mid).toMatch(/\[=+>? *\]/);
    expect(narrow).not.toContain("[");
    expect(narrow.length).toBeLessThanOrEqual(50);
    expect(tiny.length).toBe(20);
    expect(tiny.endsWith("…")).toBe(true);
  });

  it("summarises an epoch", () => {
    expect(formatEpochSummary(3, 5, { loss: 0.5, evalLoss: null, accuracy: 0.75, lr: 0.001 }, 2.345)).toBe("Epoch 3/5  loss 0.5000  accuracy 0.7500  lr 0.00100  2.3s");
    expect(formatEpochSummary(1, 1, { loss: 1 }, 125)).toBe("Epoch 1/1  loss 1.0000  2:05");
  });
});

describe("ProgressBar", () => {
  it("redraws in place at most every 100 ms and ends the line with the summary", () => {
    const writes: string[] = [];
    let now = 0;
    const bar = new ProgressBar({ write: (s: string) => writes.push(s), columns: 80 }, () => now);
    const state = (batch: number) => ({ epoch: 1, epochs: 1, batch, batches: 100, loss: 1, elapsed: batch / 100 });
    for (let b = 1; b <= 100; b++) {
      now = b * 10; // a batch every 10 ms: 1 000 ms in all
      bar.update(state(b));
    }
    expect(writes.length).toBe(10);
    expect(writes.every((w) => w.startsWith("\r") && w.endsWith("\x1b[K"))).toBe(true);
    expect(writes[0]).toContain("1/100");
    bar.end("Epoch 1/1  loss 1.0000  1.0s");
    expect(writes[writes.length - 1]).toBe("\rEpoch 1/1  loss 1.0000  1.0s\x1b[K\n");
    now += 1;
    bar.update(state(1)); // a new epoch draws at once
    expect(writes.length).toBe(12);
  });
});
