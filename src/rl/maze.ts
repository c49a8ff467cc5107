// Seeded maze grids for GridWorld: a perfect maze by the recursive backtracker (depth-first search
// with random neighbour order, iterative), optionally with extra openings so that several routes
// exist and the shortest one has to be learned. Rooms sit at even (row, col); the cells between
// them are walls or passages. Start (2) at the top-left room, goal (9) at the bottom-right room.
import { TesseraError, checkInt } from "../errors.js";
import { Generator } from "../tensor/random.js";
import { GOAL, START, WALL } from "./gridworld.js";
import { checkClosed, checkKeys, isPlainObject } from "./options.js";

export interface MazeOptions {
  rows: number;
  cols: number;
  seed?: number;
  /** Fraction in [0, 1] of the walls left between rooms that are opened afterwards. Default 0 (one route). */
  loops?: number;
}

export function mazeGrid(options: MazeOptions): number[][] {
  if (!isPlainObject(options)) throw new TesseraError("E_TYPE", "mazeGrid: options: expected an object { rows, cols, seed, loops }");
  checkKeys("mazeGrid: options", options, ["rows", "cols", "seed", "loops"]);
  const rows = checkInt("mazeGrid: rows", options.rows, 1, 4096);
  const cols = checkInt("mazeGrid: cols", options.cols, 1, 4096);
  const seed = options.seed === undefined ? 0 : checkInt("mazeGrid: seed", options.seed);
  const loops = options.loops === undefined ? 0 : checkClosed("mazeGrid: loops", options.loops, 0, 1);
  const g = new Generator(seed);
  const R = (rows + 1) >> 1, C = (cols + 1) >> 1; // rooms
  if (R * C < 2) throw new TesseraError("E_RANGE", `mazeGrid: rows, cols: expected room for a start and a goal (3 cells along one side), received ${rows}×${cols}`);
  const grid = Array.from({ length: rows }, () => new Array<number>(cols).fill(WALL));
  const visited = new Uint8Array(R * C);
  const stack = [0];
  visited[0] = 1;
  grid[0][0] = 0;
  const dirs = [[-1, 0], [1, 0], [0, -1], [0, 1]];
  while (stack.length > 0) {
    const room = stack[stack.length - 1], r = Math.floor(room / C), c = room % C;
    const open: number[] = [];
    for (const [dr, dc] of dirs) {
      const nr = r + dr, nc = c + dc;
      if (nr >= 0 && nr < R && nc >= 0 && nc < C && !visited[nr * C + nc]) open.push(nr * C + nc);
    }
    if (open.length === 0) {
      stack.pop();
      continue;
    }
    const n = open[g.int(open.length)], nr = Math.floor(n / C), nc = n % C;
    grid[r + nr][c + nc] = 0; // the wall between rooms (r, c) and (nr, nc), at (r + nr, c + nc) in grid units
    grid[2 * nr][2 * nc] = 0;
    visited[n] = 1;
    stack.push(n);
  }
  if (loops > 0) {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        // A wall between two rooms: odd on exactly one axis, with rooms on both sides of it.
        const between = (r % 2 === 1) !== (c % 2 === 1);
        const inside = r % 2 === 1 ? r + 1 < rows : c + 1 < cols;
        if (between && inside && grid[r][c] === WALL && g.random() < loops) grid[r][c] = 0;
      }
    }
  }
  grid[0][0] = START;
  grid[2 * (R - 1)][2 * (C - 1)] = GOAL;
  return grid;
}
