#!/usr/bin/env python3
"""Which allocation sites hold more memory later in a run, from a heaptrack recording.

heaptrack's own tools show the peak and what is left at exit; a soak frees everything
before it exits, so neither shows what grows while it runs. This replays the recording
and sums the live bytes of each allocation site at the given moments:

    heaptrack -o /tmp/soak .build/release/qmp-bench soak 4 100 "$(mktemp -d)"
    Benchmarks/heap-growth.py /tmp/soak.zst 60 120 180 235

Sites are grouped by the allocating function and the first frame in our code; the
groups that grew most from the first moment to the last come first, with their
live KiB at every moment. Needs zstdcat and swift (to demangle).
"""
import collections
import subprocess
import sys


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    path, moments = sys.argv[1], [float(t) * 1000 for t in sys.argv[2:]]
    # Strings, instruction pointers and traces count from 1 in the file, allocations from 0.
    strings, ips, traces, allocations = [None], [None], [None], []
    live = []  # per allocation (a size and a trace)
    snapshots = []
    reader = subprocess.Popen(["zstdcat", path], stdout=subprocess.PIPE, bufsize=1 << 20)
    for line in reader.stdout:
        if not line.endswith(b"\n"):
            break  # a recording still being written
        kind = line[:1]
        if kind == b"+":
            live[int(line[2:], 16)] += 1
        elif kind == b"-":
            live[int(line[2:], 16)] -= 1
        elif kind == b"a":
            _, size, trace = line.split()
            allocations.append((int(size, 16), int(trace, 16)))
            live.append(0)
        elif kind == b"c":  # elapsed milliseconds
            while len(snapshots) < len(moments) and int(line[2:], 16) >= moments[len(snapshots)]:
                snapshots.append(list(live))
        elif kind == b"t":
            _, ip, parent = line.split()
            traces.append((int(ip, 16), int(parent, 16)))
        elif kind == b"i":
            fields = line.split()
            ips.append(int(fields[3], 16) if len(fields) > 3 else 0)
        elif kind == b"s":
            strings.append(line[2:].rstrip(b"\n").split(b" ", 1)[-1].decode(errors="replace"))
    if not snapshots:
        sys.exit("the recording ends before the first moment")

    demangled = {}

    def name(function):
        if function not in demangled:
            result = subprocess.run(["swift", "demangle", "--simplified", "--compact", function],
                                    capture_output=True, text=True)
            demangled[function] = (result.stdout.strip() or function)[:110]
        return demangled[function]

    def frames(trace):
        names = []
        while trace and len(names) < 30:
            ip, trace = traces[trace]
            names.append(strings[ips[ip]] if ips[ip] else "?")
        return names

    def group(trace):
        names = frames(trace)
        allocator = next((f for f in names if "ArrayBuffer" in f or "ManagedBuffer" in f or "dispatch" in f),
                         names[0] if names else "?")
        # The standard library's own (`$ss…`, `$sS…`) name our types when specialised for them.
        ours = next((f for f in names if ("QMP" in f or "qmp_bench" in f) and not f.startswith(("$ss", "$sS"))), "?")
        return f"{name(allocator)[:60]}  @ {name(ours)}"

    groups = collections.defaultdict(lambda: [0] * len(snapshots))
    keys = {}
    for moment, counts in enumerate(snapshots):
        for index, count in enumerate(counts):
            if count:
                size, trace = allocations[index]
                if trace not in keys:
                    keys[trace] = group(trace)
                groups[keys[trace]][moment] += count * size
    totals = [sum(series[m] for series in groups.values()) for m in range(len(snapshots))]
    print("live MiB at", sys.argv[2:], ":", [round(t / 2**20, 1) for t in totals])
    for key, series in sorted(groups.items(), key=lambda kv: kv[1][-1] - kv[1][0], reverse=True)[:15]:
        print(f"{(series[-1] - series[0]) / 1024:+8.1f} KiB  {[round(b / 1024) for b in series]}  {key}")


main()
