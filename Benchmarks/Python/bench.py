"""The anchor: PyPI qemu.qmp 0.0.6 against the same C peer, same scenarios.
usage: bench.py SOCKET commands N | SOCKET events   (prints one JSON line)"""
import asyncio, json, sys, time
from qemu.qmp import QMPClient

async def commands(path, n):
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
    print(json.dumps({"scenario": "commands", "target": "C peer", "client": "python", "sequential_per_s": sequential, "pipelined_per_s": pipelined}))

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
    asyncio.run(commands(sys.argv[1], int(sys.argv[3])))
else:
    asyncio.run(events(sys.argv[1]))
