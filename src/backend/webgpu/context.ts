// What the WebGPU backend does with a GPUDevice besides choosing kernels: a buffer pool by size
// class, the compiled pipelines (cached by kernel + workgroup size), one command encoder that
// collects every dispatch until something needs the queue (a read, a write, a full uniform ring, a
// microtask after the current synchronous run), a ring of uniform slots for the kernels' Params,
// the status words kernels report bad indices through, and the errors the device raises
// asynchronously (error scopes around each submitted batch, uncaptured errors, device loss), which
// reject the next read instead of passing silently.
import { TesseraError } from "../../errors.js";
import { DEFAULT_WG, KERNELS, SHORT_ROW_WG, type KernelName } from "./kernels.js";
import { WGSL, type ShaderFamily } from "./wgsl.js";

/** A tensor's buffer on the GPU: the Backend handle. `n` is the element count asked for. */
export class GpuBuffer {
  freed = false;
  constructor(readonly buffer: GPUBuffer, readonly n: number) {}
}

/** What a reporting kernel's message says about the argument (see GpuContext.site). */
interface Site {
  arg: string;
  noun: string;
  suffix: string;
}

export interface GpuStats {
  /** Buffers held by live tensors and their bytes (size classes, so ≥ 4·elements). */
  buffers: number;
  bytes: number;
  /** Freed buffers kept for reuse. */
  pooledBuffers: number;
  pooledBytes: number;
  /** Host → device writes and device → host reads, with their bytes. */
  uploads: number;
  bytesUploaded: number;
  downloads: number;
  bytesDownloaded: number;
  dispatches: number;
  submits: number;
}

const STORAGE_USAGE = 0x80 | 0x04 | 0x08; // STORAGE | COPY_SRC | COPY_DST
const MAP_READ = 0x01;
const UNIFORM_USAGE = 0x40 | 0x08; // UNIFORM | COPY_DST
const RING_BYTES = 1 << 20;
const SLOT_ALIGN = 256; // minUniformBufferOffsetAlignment's largest allowed value
const MAX_GROUPS = 65535;
// A long synchronous run of ops is cut into submits of this many dispatches, so the GPU starts
// before the host has recorded everything.
const MAX_BATCH = 1024;
// Freed buffers kept for reuse beyond this many bytes are destroyed (after the next submit).
const POOL_BYTES = 256 * 2 ** 20;

/** Bytes a buffer of `bytes` is rounded to: quarter-octave classes (≤ 25 % slack), at least 256. */
export function sizeClass(bytes: number): number {
  if (bytes <= 256) return 256;
  const step = 2 ** (Math.floor(Math.log2(bytes)) - 2);
  return Math.ceil(bytes / step) * step;
}

/** Writes one kernel's Params struct into its uniform slot, field by field in WGSL layout order. */
export class ParamWriter {
  private readonly u32: Uint32Array;
  private readonly i32: Int32Array;
  private readonly f32: Float32Array;
  private base = 0; // in words
  at = 0; // words written
  constructor(buf: ArrayBuffer) {
    this.u32 = new Uint32Array(buf);
    this.i32 = new Int32Array(buf);
    this.f32 = new Float32Array(buf);
  }
  /** Starts a struct at byte `offset`. */
  reset(offset: number): this {
    this.base = offset / 4;
    this.at = 0;
    return this;
  }
  u(v: number): this { this.u32[this.base + this.at++] = v >>> 0; return this; }
  i(v: number): this { this.i32[this.base + this.at++] = v | 0; return this; }
  f(v: number): this { this.f32[this.base + this.at++] = v; return this; }
  /** A uniform array<vec4<u32 | i32>, 16> (64 dims): aligned to 16 bytes, unused entries zero. */
  dims(values: readonly number[]): this {
    this.at = Math.ceil(this.at / 4) * 4;
    for (let d = 0; d < 64; d++) this.i32[this.base + this.at + d] = d < values.length ? values[d] | 0 : 0;
    this.at += 64;
    return this;
  }
}

export class GpuContext {
  readonly stats: GpuStats = {
    buffers: 0, bytes: 0, pooledBuffers: 0, pooledBytes: 0, uploads: 0, bytesUploaded: 0,
    downloads: 0, bytesDownloaded: 0, dispatches: 0, submits: 0,
  };
  /** Why the device is unusable (lost or destroyed), or null. */
  lost: string | null = null;
  private readonly errors: TesseraError[] = [];
  private readonly scopes: Promise<void>[] = [];
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private batched = 0;
  private readonly ring: GPUBuffer;
  private readonly staging = new ArrayBuffer(RING_BYTES);
  private readonly writer = new ParamWriter(this.staging);
  private cursor = 0; // bytes of the ring used by the open batch
  private readonly pipelines = new Map<string, { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout; status: GPUBindGroup | null }>();
  private readonly pool = new Map<number, GPUBuffer[]>();
  private readonly trimQueue: GPUBuffer[] = [];
  private readonly status: GPUBuffer;
  /** Bound where a kernel's optional input (gamma, bias, weight) is absent. */
  readonly dummy: GPUBuffer;
  private readonly sites: Site[] = [{ arg: "a kernel: index", noun: "an index", suffix: "" }];
  private readonly siteIds = new Map<string, number>();

  private constructor(readonly device: GPUDevice, private readonly modules: Map<ShaderFamily, GPUShaderModule>) {
    this.ring = device.createBuffer({ size: RING_BYTES, usage: UNIFORM_USAGE, label: "tessera params ring" });
    this.status = device.createBuffer({ size: 32, usage: STORAGE_USAGE, label: "tessera status" });
    this.dummy = device.createBuffer({ size: 256, usage: STORAGE_USAGE, label: "tessera absent operand" });
    device.lost.then((info) => { this.lost ??= `the device was lost (${info.reason}): ${info.message}`; });
    device.addEventListener?.("uncapturederror", (e) => this.record((e as GPUUncapturedErrorEvent).error));
  }

  /**
   * Compiles every shader family and creates every kernel's pipeline, so a compile or validation
   * error surfaces here (E_INIT) rather than in the middle of a model.
   */
  static async create(device: GPUDevice, sources: Readonly<Record<ShaderFamily, string>> = WGSL): Promise<GpuContext> {
    const modules = new Map<ShaderFamily, GPUShaderModule>();
    for (const family of Object.keys(sources) as ShaderFamily[]) {
      const module = device.createShaderModule({ code: sources[family], label: `tessera ${family}.wgsl` });
      const info = await module.getCompilationInfo();
      const errs = info.messages.filter((m) => m.type === "error");
      if (errs.length > 0) {
        throw new TesseraError("E_INIT", `initWebGpu: expected shaders/${family}.wgsl to compile, received ${errs.map((m) => `line ${m.lineNum}: ${m.message}`).join("; ")}`);
      }
      modules.set(family, module);
    }
    const ctx = new GpuContext(device, modules);
    const builds = (Object.keys(KERNELS) as KernelName[]).flatMap((name) => [null, ...("rows" in KERNELS[name] ? [SHORT_ROW_WG] : [])]
      .map((wg) => ctx.createPipeline(name, wg, true).catch((e) => {
        throw new TesseraError("E_INIT", `initWebGpu: expected the pipeline of kernel ${name} (shaders/${KERNELS[name].family}.wgsl) to build, received ${String(e)}`);
      })));
    await Promise.all(builds);
    return ctx;
  }

  /** null and the default size are one pipeline (the shader's own `override WG` default). */
  private pipelineKey(name: KernelName, wg: number | null): string {
    return wg === null || wg === DEFAULT_WG ? name : `${name}:${wg}`;
  }

  private constants(wg: number | null): Record<string, number> {
    return wg === null || wg === DEFAULT_WG ? {} : { WG: wg };
  }

  private async createPipeline(name: KernelName, wg: number | null, async: boolean): Promise<void> {
    const spec = KERNELS[name];
    const desc: GPUComputePipelineDescriptor = {
      layout: "auto",
      label: `tessera ${name}${wg === null ? "" : ` wg ${wg}`}`,
      compute: { module: this.modules.get(spec.family)!, entryPoint: name, constants: this.constants(wg) },
    };
    const pipeline = async ? await this.device.createComputePipelineAsync(desc) : this.device.createComputePipeline(desc);
    this.addPipeline(name, wg, pipeline);
  }

  private addPipeline(name: KernelName, wg: number | null, pipeline: GPUComputePipeline) {
    const reports = "reports" in KERNELS[name];
    const status = reports ? this.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(1),
      entries: [{ binding: 0, resource: { buffer: this.status } }],
    }) : null;
    const entry = { pipeline, layout: pipeline.getBindGroupLayout(0), status };
    this.pipelines.set(this.pipelineKey(name, wg), entry);
    return entry;
  }

  private getPipeline(name: KernelName, wg: number | null) {
    const hit = this.pipelines.get(this.pipelineKey(name, wg));
    if (hit) return hit;
    // A size not built at init: created on first use (its errors reach the open batch's error scope).
    const spec = KERNELS[name];
    const pipeline = this.device.createComputePipeline({
      layout: "auto",
      label: `tessera ${name} wg ${wg}`,
      compute: { module: this.modules.get(spec.family)!, entryPoint: name, constants: this.constants(wg) },
    });
    return this.addPipeline(name, wg, pipeline);
  }

  /**
   * The id a reporting kernel writes into the status words; the message at the read names the
   * argument as the CPU's check does: `${arg}[position]: expected ${noun} in [0, bound − 1]${suffix},
   * received value`.
   */
  site(arg: string, noun = "an index", suffix = ""): number {
    const key = `${arg}\u0000${noun}\u0000${suffix}`;
    let id = this.siteIds.get(key);
    if (id === undefined) {
      id = this.sites.push({ arg, noun, suffix }) - 1;
      this.siteIds.set(key, id);
    }
    return id;
  }

  private checkUsable(what: string): void {
    if (this.lost !== null) throw new TesseraError("E_DEVICE", `webgpu: ${what}: expected a working GPU device, received one that is unusable: ${this.lost}`);
  }

  private record(err: GPUError | null): void {
    if (err === null) return;
    const oom = err.constructor?.name === "GPUOutOfMemoryError";
    this.errors.push(new TesseraError(oom ? "E_OOM" : "E_DEVICE", `webgpu: the GPU reported ${oom ? "running out of memory" : "an error"}: ${err.message}`));
  }

  // ---- buffers ----

  alloc(n: number): GpuBuffer {
    this.checkUsable("alloc");
    const bytes = sizeClass(Math.max(n, 1) * 4);
    const limit = Math.min(this.device.limits.maxStorageBufferBindingSize, this.device.limits.maxBufferSize);
    if (bytes > limit) {
      throw new TesseraError("E_OOM", `webgpu: alloc: expected a buffer of at most ${limit} bytes (this adapter's maxStorageBufferBindingSize), received a request for ${n} elements (${bytes} bytes)`);
    }
    let buffer = this.pool.get(bytes)?.pop();
    if (buffer) {
      this.stats.pooledBuffers--;
      this.stats.pooledBytes -= bytes;
    } else {
      buffer = this.device.createBuffer({ size: bytes, usage: STORAGE_USAGE });
    }
    this.stats.buffers++;
    this.stats.bytes += bytes;
    return new GpuBuffer(buffer, n);
  }

  free(h: GpuBuffer): void {
    if (h.freed) throw new TesseraError("E_DEVICE", "webgpu: free: expected a live buffer, received one already freed");
    h.freed = true;
    const bytes = h.buffer.size;
    this.stats.buffers--;
    this.stats.bytes -= bytes;
    if (this.lost !== null) return;
    let list = this.pool.get(bytes);
    if (!list) this.pool.set(bytes, (list = []));
    list.push(h.buffer);
    this.stats.pooledBuffers++;
    this.stats.pooledBytes += bytes;
    // Over the cap: the largest classes go first, destroyed once no recorded command can use them.
    if (this.stats.pooledBytes > POOL_BYTES) {
      for (const size of [...this.pool.keys()].sort((a, b) => b - a)) {
        const l = this.pool.get(size)!;
        while (l.length > 0 && this.stats.pooledBytes > POOL_BYTES / 2) {
          this.trimQueue.push(l.pop()!);
          this.stats.pooledBuffers--;
          this.stats.pooledBytes -= size;
        }
      }
    }
  }

  /** Host values into h at element `offset`, after every kernel recorded so far. */
  write(h: GpuBuffer, data: Float32Array | Int32Array, offset: number): void {
    this.checkUsable("write");
    if (data.length === 0) return;
    this.flush(); // queue.writeBuffer runs before commands not yet submitted: submit them first
    this.device.queue.writeBuffer(h.buffer, offset * 4, data.buffer, data.byteOffset, data.byteLength);
    this.stats.uploads++;
    this.stats.bytesUploaded += data.byteLength;
  }

  /** n elements of h as they are after every kernel recorded so far. */
  async read(h: GpuBuffer, n: number): Promise<ArrayBuffer> {
    this.checkUsable("read");
    const bytes = n * 4;
    const staging = this.device.createBuffer({ size: bytes + 32, usage: MAP_READ | 0x08 });
    const enc = this.commandEncoder();
    this.endPass();
    if (bytes > 0) enc.copyBufferToBuffer(h.buffer, 0, staging, 0, bytes);
    enc.copyBufferToBuffer(this.status, 0, staging, bytes, 32);
    enc.clearBuffer(this.status); // a report is delivered once
    this.flush();
    try {
      await staging.mapAsync(MAP_READ);
    } catch (e) {
      staging.destroy();
      this.checkUsable("read");
      throw new TesseraError("E_DEVICE", `webgpu: read: expected to map the result for reading, received ${String(e)}`);
    }
    const out = staging.getMappedRange().slice(0);
    staging.unmap();
    staging.destroy();
    await Promise.all(this.scopes.splice(0));
    this.stats.downloads++;
    this.stats.bytesDownloaded += bytes;
    const err = this.errors.shift();
    if (err) {
      this.errors.length = 0;
      throw err;
    }
    const status = new Int32Array(out, bytes, 5);
    if (status[0] !== 0) {
      const [count, id, value, position, bound] = status;
      const s = this.sites[id] ?? this.sites[0];
      throw new TesseraError("E_RANGE", `${s.arg}[${position}]: expected ${s.noun} in [0, ${bound - 1}]${s.suffix}, received ${value}` +
        `${count > 1 ? ` (and ${count - 1} more out of range)` : ""} (checked by the webgpu kernel, reported at this read)`);
    }
    return out.slice(0, bytes);
  }

  // ---- recording ----

  private commandEncoder(): GPUCommandEncoder {
    if (this.encoder === null) {
      this.device.pushErrorScope("out-of-memory");
      this.device.pushErrorScope("validation");
      this.encoder = this.device.createCommandEncoder();
      queueMicrotask(() => this.flush());
    }
    return this.encoder;
  }

  private endPass(): void {
    if (this.pass !== null) {
      this.pass.end();
      this.pass = null;
    }
  }

  /** Submits what has been recorded. */
  flush(): void {
    if (this.encoder === null) return;
    this.endPass();
    if (this.cursor > 0) this.device.queue.writeBuffer(this.ring, 0, this.staging, 0, this.cursor);
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.cursor = 0;
    this.batched = 0;
    this.stats.submits++;
    const validation = this.device.popErrorScope();
    const oom = this.device.popErrorScope();
    this.scopes.push(validation.then((e) => this.record(e), () => {}), oom.then((e) => this.record(e), () => {}));
    if (this.scopes.length > 64) this.scopes.splice(0, this.scopes.length - 64); // settled long ago
    for (const b of this.trimQueue.splice(0)) b.destroy();
  }

  /** dst[0..n) ← src[0..n) by the encoder's own copy. */
  copy(dst: GpuBuffer, src: GpuBuffer, n: number): void {
    this.checkUsable("copy");
    if (n === 0 || dst.buffer === src.buffer) return;
    const enc = this.commandEncoder();
    this.endPass();
    enc.copyBufferToBuffer(src.buffer, 0, dst.buffer, 0, n * 4);
    this.afterRecord();
  }

  /**
   * Records one dispatch of `kernel` over `buffers` (bindings 0, 1, … in the shader's order) with
   * its Params written by `params` as the last binding. `groups`: a count of workgroups (laid out
   * on a 2-D grid when past 65535) or an explicit grid. `wg` picks the WG override (null: the
   * kernel has a fixed workgroup size).
   */
  dispatch(kernel: KernelName, buffers: readonly GPUBuffer[], params: (w: ParamWriter) => void, groups: number | [number, number, number], wg: number | null = 256): void {
    this.checkUsable(kernel);
    const grid: [number, number, number] = typeof groups === "number" ? gridFor(groups) : groups;
    if (grid[0] === 0 || grid[1] === 0 || grid[2] === 0) return;
    const entry = this.getPipeline(kernel, wg);
    if (this.cursor + 1024 > RING_BYTES) this.flush();
    const enc = this.commandEncoder();
    const w = this.writer.reset(this.cursor);
    params(w);
    const size = Math.max(SLOT_ALIGN, Math.ceil((w.at * 4) / SLOT_ALIGN) * SLOT_ALIGN);
    const entries: GPUBindGroupEntry[] = buffers.map((buffer, binding) => ({ binding, resource: { buffer } }));
    entries.push({ binding: buffers.length, resource: { buffer: this.ring, offset: this.cursor, size } });
    this.cursor += size;
    const group = this.device.createBindGroup({ layout: entry.layout, entries });
    if (this.pass === null) this.pass = enc.beginComputePass();
    this.pass.setPipeline(entry.pipeline);
    this.pass.setBindGroup(0, group);
    if (entry.status !== null) this.pass.setBindGroup(1, entry.status);
    this.pass.dispatchWorkgroups(grid[0], grid[1], grid[2]);
    this.stats.dispatches++;
    this.afterRecord();
  }

  private afterRecord(): void {
    if (++this.batched >= MAX_BATCH) this.flush();
  }

  /** Waits until the GPU has run everything submitted (benchmarks). */
  async finish(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
  }
}

/** A grid of `groups` workgroups: one row while it fits, else rows of at most 65535. */
export function gridFor(groups: number): [number, number, number] {
  if (groups <= MAX_GROUPS) return [groups, 1, 1];
  const y = Math.ceil(groups / MAX_GROUPS);
  return [Math.ceil(groups / y), y, 1];
}
