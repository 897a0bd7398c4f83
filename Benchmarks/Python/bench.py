"""The anchor: PyPI qemu.qmp 0.0.6 against the same C peer, same scenarios.
usage: bench.py SOCKET commands N [LABEL] | SOCKET events   (prints one JSON line)
LABEL names the peer in the result ("C peer" by default, "QEMU 7.2" for real QEMU).
Events are read with `async for` over a listener, qemu.qmp's documented way."""
import asyncio, json, sys, time
from qemu.qmp import QMPClient

async def commands(path, n, label):
    qmp = QMPClient('bench')
    await qmp.connect(path)
    start = time.perf_counter()
    for _ in range(n):
        await qmp.execute('query-status')
    sequential = n / (time.perf_counter() - start)
    async def worker(count):
        for _ in range(count):
            await qmp.execute('query-status')
    start = time.perf_counter()
    await asyncio.gather(*(worker(n // 64) for _ in range(64)))
    pipelined = (n // 64 * 64) / (time.perf_counter() - start)
    await qmp.disconnect()
    print(json.dumps({"scenario": "commands", "target": label, "client": "python", "commands": n, "sequential_per_s": sequential, "pipelined_per_s": pipelined}))

async def events(path):
    qmp = QMPClient('bench')
    count = 0
    with qmp.listener() as listener:
        start = time.perf_counter()
        await qmp.connect(path)
        async for event in listener:
            if event['event'] == 'FLOOD_END':
                break
            count += 1
        elapsed = time.perf_counter() - start
    await qmp.disconnect()
    print(json.dumps({"scenario": "events", "source": "unix socket", "client": "python", "listeners": 1, "events": count, "events_per_s": count / elapsed}))

if sys.argv[2] == 'commands':
    asyncio.run(commands(sys.argv[1], int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else "C peer"))
else:
    asyncio.run(events(sys.argv[1]))
