// Containers: Sequential (each module's output feeds the next; keys "0.weight", "1.bias", …) and
// ModuleList (an indexable list registered under "0", "1", … for layers a forward() walks itself).
import { TesseraError, checkInt, fail } from "../errors.js";
import { Module } from "./module.js";

function checkModule(arg: string, m: unknown): Module {
  if (!(m instanceof Module)) fail("E_TYPE", arg, "a Module", m);
  return m;
}

export class Sequential extends Module {
  private readonly layers: Module[];

  constructor(...layers: Module[]) {
    super();
    this.layers = layers.map((m, i) => this.addModule(String(i), checkModule(`Sequential: layers[${i}]`, m)));
  }

  get length(): number {
    return this.layers.length;
  }

  /** The i-th layer (negative counts from the end). */
  at(i: number): Module {
    checkInt("Sequential.at(i)", i, -this.layers.length, this.layers.length - 1);
    return this.layers[i < 0 ? i + this.layers.length : i];
  }

  forward(input: unknown): unknown {
    let x = input;
    for (const m of this.layers) x = m.forward(x);
    return x;
  }
}

export class ModuleList<M extends Module = Module> extends Module {
  private readonly items: M[] = [];

  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  append(m: M): this {
    this.items.push(this.addModule(String(this.items.length), checkModule(`ModuleList: modules[${this.items.length}]`, m) as M));
    return this;
  }

  get length(): number {
    return this.items.length;
  }

  at(i: number): M {
    checkInt("ModuleList.at(i)", i, -this.items.length, this.items.length - 1);
    return this.items[i < 0 ? i + this.items.length : i];
  }

  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }

  forward(): never {
    throw new TesseraError("E_STATE", "ModuleList.forward(): expected a parent module to call its layers, received a direct call (ModuleList has no forward, as in torch)");
  }
}
