"""Step timing shared by the PyTorch sides of the benches (encoder_torch.py, gpt_torch.py).

Wall time, and the process's CPU time (all threads): on a shared machine the CPU time of a
one-thread run is the steadier measure of the work.
"""
import time


def time_steps(step, steps, warmup=2):
    """Runs step() `warmup` times untimed, then `steps` times; returns (wall_ms, cpu_ms), each sorted."""
    for _ in range(warmup):
        step()
    wall, cpu = [], []
    for _ in range(steps):
        w0, c0 = time.perf_counter(), time.process_time()
        step()
        wall.append((time.perf_counter() - w0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return sorted(wall), sorted(cpu)
