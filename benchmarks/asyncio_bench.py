#!/usr/bin/env python3
"""The workloads of aio4j's benchmarks, in Python asyncio: the peer that aio4j is modelled on.

Standard library only. One workload per call; prints one JSON object per line, the same fields as
the Java timed programs, so that benchmarks/run reads both alike:

    asyncio_bench.py spawn --n 1000000 [--reps 3]      n trivial tasks created and gathered: ns per task
    asyncio_bench.py sleepers --n 1000000 --mode wall [--millis 1000]
                                                        n tasks sleeping at once, gathered: wall time, peak RSS
    asyncio_bench.py sleepers --n 1000000 --mode memory
                                                        n tasks all pending: bytes per task (tracemalloc,
                                                        Python's counterpart of heap-after-GC)
    asyncio_bench.py iteration --n 10000000            an async generator consumed by `async for`: ns per element
    asyncio_bench.py queue --n 1000000                 producer -> Queue(256) -> consumer: ns per item
    asyncio_bench.py lock --n 1000000                  two tasks hand a Lock over (sleep(0) while holding it)
    asyncio_bench.py fanout --n 10000 --permits 100 --millis 10
                                                        semaphore-limited fan-out: wall / ideal

Per-operation workloads run once small to warm up, then --reps times; the figure is the median.
Every run is a fresh asyncio.run(), as Async.run is a fresh loop in the Java benchmarks.
"""

import argparse
import asyncio
import gc
import json
import math
import os
import platform
import statistics
import sys
import time
import tracemalloc


def proc_status_bytes(field):
    """VmHWM / VmRSS of this process in bytes, or -1 where /proc has none."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return -1


def emit(**fields):
    fields["python"] = platform.python_version()
    print(json.dumps(fields), flush=True)


# ------------------------------------------------------------------------------------ workloads

async def spawn(n):
    async def trivial(i):
        return i

    tasks = [asyncio.create_task(trivial(i)) for i in range(n)]
    return sum(await asyncio.gather(*tasks))


async def sleepers(n, seconds, started):
    async def sleeper():
        started[0] += 1
        await asyncio.sleep(seconds)

    tasks = [asyncio.create_task(sleeper()) for _ in range(n)]
    return len(await asyncio.gather(*tasks))


async def iteration(n):
    async def numbers():
        for i in range(n):
            yield i

    total = 0
    async for x in numbers():
        total += x
    return total


async def queue(n, capacity=256):
    q = asyncio.Queue(capacity)

    async def producer():
        for i in range(n):
            await q.put(i)
        await q.put(-1)

    async def consumer():
        total = 0
        while True:
            x = await q.get()
            if x < 0:
                return total
            total += x

    p = asyncio.create_task(producer())
    total = await consumer()
    await p
    return total


async def lock_handoff(n):
    lock = asyncio.Lock()
    count = 0

    async def side():
        nonlocal count
        for _ in range(n // 2):
            async with lock:
                count += 1
                await asyncio.sleep(0)

    await asyncio.gather(side(), side())
    return count


async def fanout(tasks, permits, seconds):
    semaphore = asyncio.Semaphore(permits)

    async def one():
        async with semaphore:
            await asyncio.sleep(seconds)

    return len(await asyncio.gather(*(asyncio.create_task(one()) for _ in range(tasks))))


PER_OP = {"spawn": spawn, "iteration": iteration, "queue": queue, "lock": lock_handoff}


# ------------------------------------------------------------------------------------ measuring

def per_op(name, n, reps):
    work = PER_OP[name]
    asyncio.run(work(min(n, 10_000)))  # warm-up
    runs = []
    for _ in range(reps):
        gc.collect()
        t0 = time.perf_counter_ns()
        asyncio.run(work(n))
        runs.append((time.perf_counter_ns() - t0) / n)
    emit(workload=name, impl="asyncio", n=n, ns_per_op=statistics.median(runs), runs=runs)


def sleepers_wall(n, millis):
    asyncio.run(sleepers(min(n, 1000), 0.01, [0]))  # warm-up, as the Java programs do
    t0 = time.perf_counter()
    asyncio.run(sleepers(n, millis / 1000, [0]))
    wall = time.perf_counter() - t0
    emit(workload="sleepers", impl="asyncio", n=n, mode="wall", millis=millis, wall_s=wall,
         peak_rss_mb=proc_status_bytes("VmHWM") / 1048576)


def sleepers_memory(n):
    asyncio.run(sleepers(min(n, 1000), 0.01, [0]))
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]

    async def main():
        started = [0]
        runner = asyncio.create_task(sleepers(n, 600, started))  # referenced: asyncio keeps tasks weakly
        while started[0] < n:
            await asyncio.sleep(0.01)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
        emit(workload="sleepers", impl="asyncio", n=n, mode="memory", heap_bytes_per_task=(after - before) / n,
             heap_before_mb=before / 1048576, heap_after_mb=after / 1048576,
             peak_rss_mb=proc_status_bytes("VmHWM") / 1048576, note="tracemalloc")
        sys.stdout.flush()
        os._exit(0 if not runner.done() else 1)  # the sleepers are still pending: end here

    asyncio.run(main())


def fanout_wall(tasks, permits, millis):
    asyncio.run(fanout(min(tasks, 10 * permits), permits, 0.001))  # warm-up
    t0 = time.perf_counter()
    asyncio.run(fanout(tasks, permits, millis / 1000))
    wall = time.perf_counter() - t0
    ideal = math.ceil(tasks / permits) * millis / 1000
    emit(workload="fanout", impl="asyncio", tasks=tasks, permits=permits, millis=millis, wall_s=wall, ideal_s=ideal,
         ratio=wall / ideal)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workload", choices=sorted(list(PER_OP) + ["sleepers", "fanout"]))
    parser.add_argument("--n", type=int, required=True, help="tasks, elements, items or hand-offs")
    parser.add_argument("--reps", type=int, default=3, help="measured runs of a per-operation workload (median)")
    parser.add_argument("--mode", choices=["wall", "memory"], default="wall", help="sleepers: what to measure")
    parser.add_argument("--millis", type=int, default=1000, help="sleepers: how long; fanout: how long a permit is held")
    parser.add_argument("--permits", type=int, default=100, help="fanout: the semaphore's permits")
    args = parser.parse_args(argv)
    if args.workload in PER_OP:
        per_op(args.workload, args.n, args.reps)
    elif args.workload == "sleepers":
        if args.mode == "wall":
            sleepers_wall(args.n, args.millis)
        else:
            sleepers_memory(args.n)
    else:
        fanout_wall(args.n, args.permits, args.millis)


if __name__ == "__main__":
    main(sys.argv[1:])
