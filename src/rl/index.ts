// Reinforcement learning: discrete environments (GridWorld, seeded mazes, any object with
// reset/step) and tabular Q-learning / SARSA whose episodes run in one WASM call for table
// environments. Re-exports only.
export type { Env, StepResult, TableEnv, TransitionTable } from "./env.js";
export { GridWorld, ACTIONS, FREE, WALL, START, GOAL } from "./gridworld.js";
export type { GridWorldOptions, GridRewards } from "./gridworld.js";
export { mazeGrid } from "./maze.js";
export type { MazeOptions } from "./maze.js";
export { QLearning, SARSA } from "./tabular.js";
export type { TabularOptions, TrainResult, GreedyPath } from "./tabular.js";
